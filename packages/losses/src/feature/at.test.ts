import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { attentionMap, createAt } from "./at";
import { useCpuBackend } from "../testing/backend";
import { weighted } from "../testing/weighted";
import { LOSSES } from "../registry";

beforeAll(useCpuBackend);

/** Independent scalar reference of the attention-transfer formula (p = 2). */
function reference(s: tf.Tensor4D, t: tf.Tensor4D, beta: number): number {
  const map = (f: tf.Tensor4D) => {
    const [n, h, w, c] = f.shape;
    const d = f.dataSync();
    const out: number[][] = [];
    for (let b = 0; b < n; b++) {
      const q: number[] = [];
      for (let i = 0; i < h * w; i++) {
        let acc = 0;
        for (let k = 0; k < c; k++) acc += d[(b * h * w + i) * c + k]! ** 2;
        q.push(acc / c);
      }
      const norm = Math.max(Math.sqrt(q.reduce((a, v) => a + v * v, 0)), 1e-12);
      out.push(q.map((v) => v / norm));
    }
    return out;
  };
  const qs = map(s);
  const qt = map(t);
  let acc = 0;
  let count = 0;
  qs.forEach((row, b) => row.forEach((v, i) => ((acc += (v - qt[b]![i]!) ** 2), count++)));
  return (beta / 2) * (acc / count);
}

describe("at", () => {
  const s = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 1) as tf.Tensor4D;
  const t = tf.randomNormal([2, 3, 4, 7], 0, 1, "float32", 2) as tf.Tensor4D;

  it("at the registry's default weight β/2 = 500 matches the reference formula (β/2 · mean (Q_S − Q_T)²), channels may differ", () => {
    const ours = weighted(createAt(), LOSSES.at.defaultWeight).compute(s, t).total.dataSync()[0]!;
    expect(Math.abs(ours - reference(s, t, 1000)) / reference(s, t, 1000)).toBeLessThan(1e-5);
  });

  it("maps are unit-norm per sample and 0 loss for identical inputs", () => {
    const q = attentionMap(s, 2);
    const norms = tf.sqrt(tf.sum(tf.square(q), 1)).dataSync();
    norms.forEach((v) => expect(v).toBeCloseTo(1, 5));
    expect(createAt().compute(s, s).total.dataSync()[0]).toBe(0);
  });

  it("sums levels and rejects spatial mismatch", () => {
    const one = createAt().compute(s, t).total.dataSync()[0]!;
    expect(createAt().compute([s, s], [t, t]).total.dataSync()[0]).toBeCloseTo(2 * one, 4);
    expect(() => createAt().compute(s, tf.zeros([2, 3, 5, 5]))).toThrow(/at:/);
  });
});
