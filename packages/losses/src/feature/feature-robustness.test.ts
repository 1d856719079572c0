/**
 * Table-driven checks of every feature-map loss (`kind: "feature"` in `LOSSES`): registry/schema, robustness (all-zero features,
 * single-pixel maps, images without boxes, boxes off the map, extreme values: finite loss and
 * finite student gradient) and memory (no tensor leak inside tf.tidy).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOSS_IDS, type LossIdOfKind } from "../loss-meta";
import { LOSSES } from "../registry";
import { useCpuBackend } from "../testing/backend";
import type { DistillLoss, LossContext } from "../types";

beforeAll(useCpuBackend);

interface Spec {
  config: Record<string, unknown>;
  cs: number;
  ct: number;
  /** Number of pyramid levels passed in one call (halving sizes). */
  levels?: number;
  /** Largest |feature| for which the loss is mathematically finite in float32 (see the case). */
  extreme: number;
}

/**
 * Per family: a small config and its "extreme" magnitude. Softmax/normalised families (cwd, at)
 * take float32-range inputs (±3e38); normalised mse too, but its align conv sums C_s weighted
 * inputs, so it is checked at 1e37. Squared-error families cannot: (S − T)² itself exceeds
 * float32 beyond ~1e19, so they are checked at 1e15 (1e8 for fbkd, whose non-local output is
 * cubic in the input).
 */
const SPECS: Record<LossIdOfKind<"feature">, Spec> = {
  mse: { config: { studentChannels: 3, teacherChannels: 4 }, cs: 3, ct: 4, extreme: 1e37 },
  cwd: { config: {}, cs: 4, ct: 4, extreme: 3e38 },
  fgd: { config: { studentChannels: 3, teacherChannels: 4 }, cs: 3, ct: 4, extreme: 1e15 },
  mgd: { config: { studentChannels: 3, teacherChannels: 4 }, cs: 3, ct: 4, extreme: 1e15 },
  pkd: { config: {}, cs: 4, ct: 4, extreme: 1e15 },
  fgfi: { config: { studentChannels: 3, teacherChannels: 4 }, cs: 3, ct: 4, extreme: 1e15 },
  defeat: { config: { teacherChannels: 4, strides: [8, 16] }, cs: 4, ct: 4, levels: 2, extreme: 1e15 },
  fbkd: { config: { teacherChannels: 4 }, cs: 4, ct: 4, extreme: 1e8 },
  at: { config: {}, cs: 3, ct: 4, extreme: 3e38 },
  fsd: { config: { studentChannels: 3, teacherChannels: 4 }, cs: 3, ct: 4, extreme: 1e15 },
};

type FeatureLossId = LossIdOfKind<"feature">;
const IDS = LOSS_IDS.filter((id): id is FeatureLossId => LOSSES[id].kind === "feature");

function create(id: FeatureLossId): DistillLoss {
  const entry = LOSSES[id] as unknown as {
    schema: { parse(x: unknown): unknown };
    create(c: unknown): DistillLoss;
  };
  return entry.create(entry.schema.parse({ type: id, ...SPECS[id].config }));
}

type Fill = "random" | "zeros" | "extreme";

/** Student/teacher (per level when `levels` > 1) of `n×h×w`, filled as asked. */
function inputs(
  spec: Spec,
  n: number,
  h: number,
  w: number,
  fill: Fill,
  seed = 1,
): { s: tf.Tensor[]; t: tf.Tensor[] } {
  const make = (c: number, lh: number, lw: number, k: number) => {
    if (fill === "zeros") return tf.zeros([n, lh, lw, c]);
    const r = tf.randomNormal([n, lh, lw, c], 0, 1, "float32", seed + k);
    if (fill === "random") return r;
    return tf.tidy(() => tf.mul(tf.sign(tf.add(r, 1e-3)), spec.extreme));
  };
  const s: tf.Tensor[] = [];
  const t: tf.Tensor[] = [];
  for (let l = 0; l < (spec.levels ?? 1); l++) {
    const lh = Math.max(1, Math.ceil(h / 2 ** l));
    const lw = Math.max(1, Math.ceil(w / 2 ** l));
    s.push(make(spec.cs, lh, lw, 2 * l));
    t.push(
      fill === "extreme" && spec.ct === spec.cs
        ? tf.neg(make(spec.ct, lh, lw, 2 * l))
        : make(spec.ct, lh, lw, 2 * l + 1),
    );
  }
  return { s, t };
}

/** Loss value and student gradients (all levels), as plain numbers. */
function run(
  loss: DistillLoss,
  s: tf.Tensor[],
  t: tf.Tensor[],
  ctx: LossContext,
): { value: number; grads: number[] } {
  const arg = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0]! : xs);
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(
      (...xs: tf.Tensor[]) => loss.compute(arg(xs), arg(t), ctx).total,
    )(s);
    return { value: value.dataSync()[0]!, grads: grads.flatMap((g) => Array.from(g.dataSync())) };
  });
}

function expectFinite(r: { value: number; grads: number[] }, what: string): void {
  expect(Number.isFinite(r.value), `${what}: loss ${r.value}`).toBe(true);
  const bad = r.grads.find((g) => !Number.isFinite(g));
  expect(bad, `${what}: non-finite gradient`).toBeUndefined();
}

const STRIDE = 8;
const ctxFor = (n: number, h: number, w: number, boxes: number[][]): LossContext => ({
  boxes: Array.from({ length: n }, (_, i) => Float32Array.from(boxes[i] ?? [])),
  imageSize: [h * STRIDE, w * STRIDE],
});
const someBoxes = [
  [4, 4, 30, 20, 10, 2, 60, 50],
  [0, 0, 12, 12],
];

describe("feature-map losses in LOSSES", () => {
  it("are the ten feature families, with strict schemas whose `type` is the id", () => {
    expect([...IDS].sort()).toEqual([
      "at",
      "cwd",
      "defeat",
      "fbkd",
      "fgd",
      "fgfi",
      "fsd",
      "mgd",
      "mse",
      "pkd",
    ]);
    expect(Object.keys(SPECS).sort()).toEqual([...IDS].sort());
    for (const id of IDS) {
      const schema = LOSSES[id].schema as unknown as {
        parse(x: unknown): { type: string };
        safeParse(x: unknown): { success: boolean };
      };
      expect(schema.parse({}).type).toBe(id);
      expect(schema.safeParse({ type: id, bogus: 1 }).success).toBe(false);
      expect(schema.safeParse({ type: "nope" }).success).toBe(false);
    }
  });
});

for (const id of IDS) {
  describe(`${id} robustness`, () => {
    const spec = SPECS[id];
    const loss = create(id);
    afterAll(() => loss.dispose());

    it("exposes its adapter variables and the loss id", () => {
      expect(loss.id).toBe(id);
      expect(Array.isArray(loss.variables)).toBe(true);
    });

    it("random features give a finite loss and gradient", () => {
      const { s, t } = inputs(spec, 2, 8, 10, "random");
      expectFinite(run(loss, s, t, ctxFor(2, 8, 10, someBoxes)), "random");
    });

    it("all-zero features", () => {
      const { s, t } = inputs(spec, 2, 8, 10, "zeros");
      expectFinite(run(loss, s, t, ctxFor(2, 8, 10, someBoxes)), "zeros");
    });

    it("a single-pixel map (N = 1)", () => {
      const { s, t } = inputs(spec, 1, 1, 1, "random");
      expectFinite(run(loss, s, t, ctxFor(1, 1, 1, [[1, 1, 6, 6]])), "1×1");
    });

    it("an image without boxes", () => {
      const { s, t } = inputs(spec, 2, 8, 10, "random");
      expectFinite(run(loss, s, t, ctxFor(2, 8, 10, [[], []])), "no boxes");
    });

    it("boxes outside the map", () => {
      const { s, t } = inputs(spec, 2, 8, 10, "random");
      const off = [
        [-100, -80, -10, -5, 500, 400, 900, 700],
        [-20, -20, 2000, 3000, 70, -40, 79, -1],
      ];
      expectFinite(run(loss, s, t, ctxFor(2, 8, 10, off)), "off-map boxes");
    });

    it(`extreme values (|x| = ${spec.extreme.toExponential(0)})`, () => {
      const { s, t } = inputs(spec, 2, 4, 5, "extreme");
      expectFinite(run(loss, s, t, ctxFor(2, 4, 5, someBoxes)), "extreme");
    });

    it("leaks no tensors inside tf.tidy", () => {
      const { s, t } = inputs(spec, 2, 8, 10, "random");
      const ctx = ctxFor(2, 8, 10, someBoxes);
      const arg = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0]! : xs);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        loss.compute(arg(s), arg(t), ctx);
      });
      expect(tf.memory().numTensors).toBe(before);
      const kept = loss.compute(arg(s), arg(t), ctx);
      expect(tf.memory().numTensors - before).toBe(new Set([kept.total, ...Object.values(kept.parts)]).size);
      tf.dispose([kept.total, ...Object.values(kept.parts)]);
    });
  });
}
