import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { bceWithLogits } from "./bce";
import { sigmoidFocalLoss } from "./focal-loss";

beforeAll(useTestBackend);

describe("sigmoidFocalLoss (hand values)", () => {
  it("FL = BCE · (α t + (1−α)(1−t)) · p_t'^γ at α 0.25, γ 2", () => {
    const x = tf.tensor1d([0, 0, 2, -3, 40]);
    const t = tf.tensor1d([1, 0, 1, 0, 0]);
    const got = tf.tidy(() => Array.from(sigmoidFocalLoss(x, t).dataSync()));
    // by hand: x=0,t=1: ln2·0.25·0.5² ; x=0,t=0: ln2·0.75·0.5² ; x=2,t=1: σ(2)=0.8807971, ln(1+e⁻²)=0.1269280
    // x=−3,t=0: σ(−3)=0.0474259, ln(1+e⁻³)=0.0485874 ; x=40,t=0: BCE 40, p_t' = 1 → 0.75·40 = 30
    const want = [
      0.6931472 * 0.0625,
      0.6931472 * 0.1875,
      0.126928 * 0.25 * 0.1192029 ** 2,
      0.0485874 * 0.75 * 0.0474259 ** 2,
      30,
    ];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    tf.dispose([x, t]);
  });

  it("γ = 0, α = 0.5 is half the BCE; the gradient matches central differences", () => {
    const x = tf.tensor1d([-1.5, 0.3, 2.2]);
    const t = tf.tensor1d([1, 0, 1]);
    const [fl, bce] = tf.tidy(() => [
      Array.from(sigmoidFocalLoss(x, t, 0.5, 0).dataSync()),
      Array.from(bceWithLogits(x, t).dataSync()),
    ]);
    fl.forEach((v, i) => expect(v).toBeCloseTo(bce[i]! / 2, 6));
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((z: tf.Tensor) => tf.sum(sigmoidFocalLoss(z, t)))(x)
          .dataSync(),
      ),
    );
    const f = (xs: number[]): number =>
      tf.tidy(() => tf.sum(sigmoidFocalLoss(tf.tensor1d(xs), t)).dataSync()[0]!);
    const base = [-1.5, 0.3, 2.2];
    const h = 1e-2;
    base.forEach((_, i) => {
      const up = base.map((v, j) => (j === i ? v + h : v));
      const dn = base.map((v, j) => (j === i ? v - h : v));
      expect(g[i]).toBeCloseTo((f(up) - f(dn)) / (2 * h), 3);
    });
    tf.dispose([x, t]);
  });
});
