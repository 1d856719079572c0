import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkLossAndGrads, expectTrainable, param } from "../testing/feature-golden";
import { createMse } from "./mse";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, loadGoldens } from "../testing/golden";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const files = loadGoldens("l2_mimic");

describe("mse goldens (l2_mimic)", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const loss = createMse({
        normalize: param<boolean>(file, "normalize"),
        mult: param(file, "mult"),
        divElement: param<boolean>(file, "div_element"),
        dist: param<boolean>(file, "dist"),
      });
      checkLossAndGrads(file, weighted(loss, param(file, "loss_weight")), [s], [t]);
      tf.dispose([s, t]);
    });
  }
});

describe("mse", () => {
  const x = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 1);
  const y = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 2);
  const sumSq = () => tf.sum(tf.squaredDifference(x, y)).dataSync()[0]!;

  it("reductions: Σ/N, Σ/numel, sqrt(Σ)", () => {
    const base = { normalize: false };
    expect(createMse(base).compute(x, y).total.dataSync()[0]).toBeCloseTo(sumSq() / 2, 3);
    expect(
      createMse({ ...base, divElement: true })
        .compute(x, y)
        .total.dataSync()[0],
    ).toBeCloseTo(sumSq() / x.size, 5);
    expect(
      createMse({ ...base, dist: true })
        .compute(x, y)
        .total.dataSync()[0],
    ).toBeCloseTo(Math.sqrt(sumSq()), 4);
  });

  it("normalised loss is scale invariant; mult scales it quadratically", () => {
    const a = createMse().compute(x, y).total.dataSync()[0]!;
    expect(createMse().compute(tf.mul(x, 1e6), tf.mul(y, 3)).total.dataSync()[0]).toBeCloseTo(a, 3);
    expect(createMse({ mult: 2 }).compute(x, y).total.dataSync()[0]).toBeCloseTo(4 * a, 3);
  });

  it("feature normalisation: standardised S and T", () => {
    const l = createMse({ normalize: false, featureNorm: "channel", divElement: true });
    expect(l.compute(tf.add(tf.mul(x, 5), 2), x).total.dataSync()[0]).toBeCloseTo(0, 5);
    const b = createMse({ normalize: false, featureNorm: "bn", divElement: true });
    expect(b.compute(tf.add(tf.mul(x, 5), 2), x).total.dataSync()[0]).toBeCloseTo(0, 5);
  });

  it("align conv: built only when channels differ, maps C_s → C_t, trains", () => {
    expect(createMse({ studentChannels: 5, teacherChannels: 5 }).align).toBeNull();
    const t = tf.randomNormal([2, 3, 4, 7], 0, 1, "float32", 3);
    const l = createMse({ studentChannels: 5, teacherChannels: 7, seed: 3 });
    expect(l.variables).toHaveLength(2);
    expect(Number.isFinite(l.compute(x, t).total.dataSync()[0])).toBe(true);
    expectTrainable(l, x, t);
    l.dispose();
  });
});
