/**
 * The demo's effective weights did not change when the loss-internal `lossWeight` was removed: before,
 * a term's `weight` multiplied the loss' own `lossWeight` (defaults cwd 10, mse 10, pkd 6, others 1);
 * now the term `weight` is the only knob (default: the registry's `defaultWeight`). This table holds
 * the old (term weight, lossWeight) pairs of every demo term; each product must equal the weight the
 * distiller now applies. For the default method (cwd) the student gradients are also bit-identical to
 * the old composition `(Σ·(10·τ²/(N·C)))·5` at the demo's batch sizes and neck widths.
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@kdet/core";
import { createLoss, Distiller, LOSSES, type LossConfigInput, type LossId } from "@kdet/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_METHOD_NAMES, DEMO_METHODS, type DemoMethod } from "./demo-methods";

/** Per demo method, per term: [old term weight, old loss lossWeight]. */
const OLD: Record<DemoMethod, Array<[number, number]>> = {
  cwd: [[5, 10]],
  "qfl-kd": [[200, 1]],
  "cwd-qfl": [
    [5, 10],
    [200, 1],
  ],
  mse: [[1, 10]],
  pkd: [[1, 6]],
  mgd: [[1, 1]],
  fgd: [[1, 1]],
  fsd: [[1, 1]],
  ckd: [[1, 1]],
  rdkd: [[1, 1]],
};

const channels = { student: [64, 128, 256], teacher: [128, 256, 512] };

/** The weight the distiller applies to a term: its `weight`, else its loss' registry `defaultWeight`. */
function effectiveWeight(term: {
  weight?: number | undefined;
  loss: LossConfigInput | LossConfigInput[];
}): number {
  const type = (Array.isArray(term.loss) ? term.loss[0]! : term.loss).type as LossId;
  return term.weight ?? LOSSES[type].defaultWeight;
}

describe("demo weights after the one-weight change", () => {
  it("the table covers every demo method", () => {
    expect(Object.keys(OLD).sort()).toEqual([...DEMO_METHOD_NAMES].sort());
  });

  for (const m of DEMO_METHOD_NAMES) {
    it(`${m}: each term's weight equals the old term weight × lossWeight`, () => {
      const terms = DEMO_METHODS[m].terms(channels);
      expect(terms.map(effectiveWeight)).toEqual(OLD[m].map(([w, lw]) => w * lw));
    });
  }
});

describe("the default demo method trains on the same gradients", () => {
  beforeAll(() => initBackend({ quiet: true }));

  for (const batch of [16, 8]) {
    it(`cwd, batch ${batch} (demo presets), teacher widths 128/256/512: weight 50 = old 5 × lossWeight 10, bit for bit`, () => {
      const levels = [
        { name: "neck.p3", hw: 8, c: 128 },
        { name: "neck.p4", hw: 4, c: 256 },
        { name: "neck.p5", hw: 2, c: 512 },
      ];
      const student = levels.map((l, i) => tf.randomNormal([batch, l.hw, l.hw, l.c], 0, 1, "float32", 1 + i));
      const teacher = Object.fromEntries(
        levels.map((l, i) => [l.name, tf.randomNormal([batch, l.hw, l.hw, l.c], 0, 1, "float32", 11 + i)]),
      );
      const term = DEMO_METHODS.cwd.terms()[0]!;
      const d = Distiller.create([
        { loss: term.loss, weight: term.weight, student: "neck.p{3..5}", teacher: "neck.p{3..5}" },
      ]);
      const cwd = createLoss({ type: "cwd", tau: 1 });
      const now = (...xs: tf.Tensor[]) =>
        d.compute(Object.fromEntries(levels.map((l, i) => [l.name, xs[i]!])), teacher).total;
      // before: the loss multiplied its sum by lossWeight·τ²/(N·C) = 10/(N·C), the term by 5; with N·C a power of
      // two, Σ/(N·C) is exact, so the old value is ((Σ/(N·C))·10)·5 op for op
      const before = (...xs: tf.Tensor[]) =>
        tf.addN(
          xs.map((x, i) => tf.mul(tf.mul(cwd.compute(x, teacher[levels[i]!.name]!).total, 10), 5)),
        ) as tf.Scalar;
      const [gNow, gBefore] = [tf.grads(now)(student), tf.grads(before)(student)];
      gNow.forEach((g, i) =>
        expect(Array.from(g.dataSync()), levels[i]!.name).toEqual(Array.from(gBefore[i]!.dataSync())),
      );
      expect(now(...student).dataSync()[0]).toBeCloseTo(before(...student).dataSync()[0]!, 4);
      d.dispose();
      cwd.dispose();
      tf.dispose([...student, ...Object.values(teacher), ...gNow, ...gBefore]);
    });
  }
});
