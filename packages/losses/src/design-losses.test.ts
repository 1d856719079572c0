/**
 * Table-driven checks of the losses that are kdet's own constructions from papers without public
 * code (`[design: our construction]` in their registry entry), through `LOSSES`: schema defaults,
 * factory, multi-level inputs with the context each documents, finite loss and gradient, no
 * tensor leak, and the distiller hints.
 */
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { randn } from "./testing/grad-check";
import { LOSSES } from "./registry";
import { useCpuBackend } from "./testing/backend";
import type { DistillLoss, LossContext } from "./types";

beforeAll(useCpuBackend);

/** Channels per level (a YOLO-like pyramid widens with depth; every aligning family must align). */
const CS = [3, 5];
const CT = [4, 6];
/** Minimal configs. */
/** The design losses (each registry entry's paper says "[design: our construction]"). */
type DesignLossId = "rdkd" | "ckd" | "confidence" | "adaptive";
const CONFIGS: Record<DesignLossId, Record<string, unknown>> = {
  rdkd: { studentChannels: CS, teacherChannels: CT },
  ckd: { studentChannels: CS, teacherChannels: CT, projDim: 8 },
  confidence: { studentChannels: CS, teacherChannels: CT },
  adaptive: {},
};
const IDS = Object.keys(CONFIGS) as DesignLossId[];

function create(id: DesignLossId): DistillLoss {
  const entry = LOSSES[id] as unknown as {
    schema: { parse(x: unknown): unknown };
    create(c: unknown): DistillLoss;
  };
  return entry.create(entry.schema.parse({ type: id, ...CONFIGS[id] }));
}

/** Inputs of a family: two levels (8×8, 4×4). */
function inputs(id: DesignLossId, seed: number): { s: tf.Tensor[]; t: tf.Tensor[]; ctx: LossContext } {
  const sizes = [8, 4];
  const [cs, ct] =
    id === "adaptive"
      ? [
          [5, 5],
          [5, 5],
        ]
      : [CS, CT];
  const s = sizes.map((h, i) => randn([2, h, h, cs[i]!], seed + i));
  const t = sizes.map((h, i) =>
    id === "adaptive"
      ? tf.tidy(() => tf.sigmoid(randn([2, h, h, ct[i]!], seed + 10 + i, 2)))
      : randn([2, h, h, ct[i]!], seed + 10 + i),
  );
  const ctx: LossContext = {
    boxes: [Float32Array.from([4, 4, 40, 30, 30, 34, 60, 62]), new Float32Array(0)],
    imageSize: [64, 64],
    teacherScores: sizes.map((h, i) => tf.tidy(() => tf.sigmoid(randn([2, h, h, 2], seed + 20 + i, 2)))),
    studentCls: sizes.map((h, i) => randn([2, h, h, 2], seed + 30 + i)),
  };
  return { s, t, ctx };
}

describe("design losses", () => {
  it("are marked as our construction; keys equal ids and config types", () => {
    for (const id of IDS) {
      const loss = create(id);
      expect(loss.id).toBe(id);
      expect(LOSSES[id].paper).toMatch(/\[design: our construction\]$/);
      loss.dispose();
    }
    expect(() => LOSSES.rdkd.schema.parse({ type: "rdkd", bogus: 1 })).toThrow();
  });

  it("distiller hints: multi-level families and channel alignment", () => {
    expect(IDS.filter((id) => (LOSSES[id] as { multiLevel?: boolean }).multiLevel)).toEqual([
      "rdkd",
      "ckd",
      "confidence",
      "adaptive",
    ]);
    expect(
      LOSSES.rdkd.alignsChannels!(LOSSES.rdkd.schema.parse({ studentChannels: [2], teacherChannels: [2] })),
    ).toBe(true);
    expect(
      LOSSES.ckd.alignsChannels!(
        LOSSES.ckd.schema.parse({ studentChannels: [4, 5], teacherChannels: [4, 6] }),
      ),
    ).toBe(true);
    expect(
      LOSSES.confidence.alignsChannels!(
        LOSSES.confidence.schema.parse({ studentChannels: 4, teacherChannels: [4, 4] }),
      ),
    ).toBe(false);
  });

  for (const id of IDS) {
    it(`${id}: finite loss and student gradient on two images (one empty), no leak`, () => {
      const loss = create(id);
      const { s, t, ctx } = inputs(id, 1);
      const before = tf.memory().numTensors;
      const total = tf.tidy(() => loss.compute(s, t, ctx).total.dataSync()[0]!);
      const grads = tf.tidy(() =>
        tf
          .grads((...xs: tf.Tensor[]) => loss.compute(xs, t, ctx).total)(s)
          .map((g) => g.dataSync()),
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(total)).toBe(true);
      expect(total).toBeGreaterThan(0);
      expect(grads.every((g) => g.every(Number.isFinite))).toBe(true);
      expect(grads.some((g) => g.some((v) => v !== 0))).toBe(true);
      loss.dispose();
      tf.dispose([...s, ...t, ...(ctx.teacherScores as tf.Tensor[]), ...(ctx.studentCls as tf.Tensor[])]);
    });
  }
});
