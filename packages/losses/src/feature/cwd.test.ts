import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createCwd } from "./cwd";
import { checkLossAndGrads, expectRel, param } from "../testing/feature-golden";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, loadGoldens } from "../testing/golden";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const files = loadGoldens("cwd");

describe("cwd goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const cfg = { tau: param(file, "tau") };
      const w = param(file, "loss_weight");
      checkLossAndGrads(file, weighted(createCwd(cfg), w), [s], [t]);
      const variants = (file.expected.variants_f64 ?? {}) as Record<string, number>;
      if (variants.cross_entropy_form !== undefined) {
        const ce = tf.tidy(
          () =>
            weighted(createCwd({ ...cfg, form: "cross_entropy" }), w)
              .compute(s, t)
              .total.dataSync()[0]!,
        );
        expectRel(file, ce, variants.cross_entropy_form, "variant cross_entropy_form");
      }
      tf.dispose([s, t]);
    });
  }
});

describe("cwd", () => {
  it("is 0 for identical inputs and sums levels", () => {
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 1);
    const y = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 2);
    const loss = createCwd();
    expect(loss.compute(x, x).total.dataSync()[0]).toBeCloseTo(0, 6);
    const one = loss.compute(x, y).total.dataSync()[0]!;
    expect(loss.compute([x, x], [y, y]).total.dataSync()[0]).toBeCloseTo(2 * one, 4);
  });

  it("differs from an NHWC-naive reshape (softmax is per channel map)", () => {
    const x = tf.randomNormal([1, 2, 3, 4], 0, 1, "float32", 3);
    const y = tf.randomNormal([1, 2, 3, 4], 0, 1, "float32", 4);
    const naive = tf.tidy(() => {
      const ls = tf.logSoftmax(x.reshape([4, 6]));
      const lt = tf.logSoftmax(y.reshape([4, 6]));
      return tf
        .sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)))
        .mul(10 / 4)
        .dataSync()[0]!;
    });
    expect(Math.abs(createCwd().compute(x, y).total.dataSync()[0]! - naive)).toBeGreaterThan(1e-4);
  });

  it("rejects mismatched shapes", () => {
    expect(() => createCwd().compute(tf.zeros([1, 2, 2, 3]), tf.zeros([1, 2, 2, 4]))).toThrow(/cwd/);
  });
});
