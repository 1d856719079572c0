import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkLossAndGrads, levelInputs, param } from "../testing/feature-golden";
import { resizeBilinearTorch } from "../ops/feature-ops";
import { createPkd } from "./pkd";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, loadGoldens } from "../testing/golden";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const files = loadGoldens("pkd");

describe("pkd goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const ss = levelInputs(file, "preds_S").map((v, i) => featureNhwc(v, `preds_S_${i}`));
      const ts = levelInputs(file, "preds_T").map((v, i) => featureNhwc(v, `preds_T_${i}`));
      const loss = weighted(
        createPkd({ resizeStu: param<boolean>(file, "resize_stu") }),
        param(file, "loss_weight"),
      );
      checkLossAndGrads(file, loss, ss, ts);
      tf.dispose([...ss, ...ts]);
    });
  }
});

describe("pkd", () => {
  it("is invariant to per-channel affine maps of the student", () => {
    const t = tf.randomNormal([2, 4, 5, 3], 0, 1, "float32", 1);
    const s = tf.randomNormal([2, 4, 5, 3], 0, 1, "float32", 2);
    const a = createPkd().compute(s, t).total.dataSync()[0]!;
    const s2 = tf.add(tf.mul(s, tf.tensor1d([2, 0.5, 7])), tf.tensor1d([1, -3, 4]));
    expect(createPkd().compute(s2, t).total.dataSync()[0]).toBeCloseTo(a, 4);
  });

  it("resizes student or teacher when heights differ", () => {
    const t = tf.randomNormal([1, 4, 6, 2], 0, 1, "float32", 3) as tf.Tensor4D;
    const s = tf.randomNormal([1, 2, 3, 2], 0, 1, "float32", 4) as tf.Tensor4D;
    const a = createPkd().compute(s, t).total.dataSync()[0]!;
    const b = createPkd()
      .compute(resizeBilinearTorch(s, [4, 6]), t)
      .total.dataSync()[0]!;
    expect(a).toBeCloseTo(b, 6);
    const c = createPkd({ resizeStu: false }).compute(s, t).total.dataSync()[0]!;
    const d = createPkd()
      .compute(s, resizeBilinearTorch(t, [2, 3]))
      .total.dataSync()[0]!;
    expect(c).toBeCloseTo(d, 6);
  });

  it("bilinear resize matches PyTorch align_corners=False (hand values)", () => {
    // 3 → 5: src = max((j + 0.5)·3/5 − 0.5, 0) = 0, 0.4, 1, 1.6, 2.2 (i1 clamped to 2)
    const x = tf.tensor4d([0, 1, 2], [1, 1, 3, 1]);
    const y = resizeBilinearTorch(x, [1, 5]).dataSync();
    [0, 0.4, 1, 1.6, 2].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
    const down = resizeBilinearTorch(tf.tensor4d([0, 1, 2, 3], [1, 4, 1, 1]), [2, 1]).dataSync();
    expect(Array.from(down)).toEqual([0.5, 2.5]);
  });

  it("resize gradient matches a finite difference", () => {
    const t = tf.randomNormal([1, 5, 4, 2], 0, 1, "float32", 5);
    const s = tf.randomNormal([1, 3, 3, 2], 0, 1, "float32", 6);
    const f = (x: tf.Tensor) => createPkd().compute(x, t).total;
    const g = tf.grad(f)(s).dataSync();
    const base = s.dataSync();
    for (const k of [0, 5, 11]) {
      const e = 1e-2;
      const plus = Float32Array.from(base);
      plus[k]! += e;
      const minus = Float32Array.from(base);
      minus[k]! -= e;
      const fd =
        (f(tf.tensor(plus, s.shape)).dataSync()[0]! - f(tf.tensor(minus, s.shape)).dataSync()[0]!) / (2 * e);
      expect(g[k]).toBeCloseTo(fd, 2);
    }
  });
});
