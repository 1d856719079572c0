import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { boxToDist, dflIntegral, dflLoss, dflTargets, distToBox } from "./dfl";

beforeAll(useTestBackend);

describe("box coder (distances ↔ boxes, DFL)", () => {
  it("boxToDist → distToBox round-trips boxes that contain the anchor", () => {
    const rng = new Rng(5);
    const n = 50;
    const anchors = new Float32Array(n * 2);
    const boxes = new Float32Array(n * 4);
    const dist = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const ax = rng.uniform(10, 90),
        ay = rng.uniform(10, 90);
      anchors.set([ax, ay], 2 * i);
      boxes.set(
        [ax - rng.uniform(0, 10), ay - rng.uniform(0, 10), ax + rng.uniform(0, 10), ay + rng.uniform(0, 10)],
        4 * i,
      );
      boxToDist(ax, ay, boxes, 4 * i, 15, dist, 4 * i);
    }
    const back = tf.tidy(() => distToBox(tf.tensor2d(anchors, [n, 2]), tf.tensor2d(dist, [n, 4])).dataSync());
    boxes.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 4));
  });

  it("boxToDist clamps to [0, max]", () => {
    const out = new Float32Array(4);
    boxToDist(5, 5, [7, 0, 40, 6], 0, 15, out, 0);
    expect(Array.from(out)).toEqual([0, 5, 15, 1]);
  });

  it("the DFL target distribution has expectation t, and its own log is a DFL minimiser", () => {
    const R = 16;
    const t = new Float32Array([0, 0.25, 3.5, 7.999, 14.99, 10, 2.75, 5.01]);
    const target = dflTargets(t, R);
    for (let i = 0; i < t.length; i++) {
      let s = 0,
        e = 0;
      for (let b = 0; b < R; b++) (s += target[i * R + b]!), (e += b * target[i * R + b]!);
      expect(s).toBeCloseTo(1, 6);
      expect(e).toBeCloseTo(t[i]!, 5);
    }
    // logits = log(target) decode back to t; DFL is minimal there (= entropy), larger elsewhere
    const [decoded, atOptimum, elsewhere, entropy] = tf.tidy(() => {
      const tt = tf.tensor3d(target, [2, 4, R]);
      const logits = tf.reshape(tf.log(tf.add(tt, 1e-12)), [2, 4 * R]) as tf.Tensor2D;
      const ent = tf.neg(tf.sum(tf.mul(tt, tf.log(tf.add(tt, 1e-12))), -1));
      return [
        dflIntegral(logits, R),
        dflLoss(logits, tt, R),
        dflLoss(tf.zerosLike(logits) as tf.Tensor2D, tt, R),
        ent,
      ].map((x) => x.dataSync());
    });
    t.forEach((v, i) => expect(decoded![i]).toBeCloseTo(v, 4));
    atOptimum!.forEach((v, i) => {
      expect(v).toBeCloseTo(entropy![i]!, 4);
      expect(elsewhere![i]!).toBeGreaterThan(v + 0.1);
    });
  });
});
