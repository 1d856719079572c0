import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { deltaDecode, deltaEncode } from "./delta-coder";

beforeAll(useTestBackend);

describe("delta coder (mmdet DeltaXYWHBBoxCoder)", () => {
  it("encodes a hand case: centre offsets in anchor sizes, log size ratios, normalised by means/stds", () => {
    // anchor [0,0,10,20]: centre (5,10), size 10×20; gt [5,5,25,45]: centre (15,25), size 20×40
    const out = new Float32Array(8);
    deltaEncode([0, 0, 10, 20], 0, [5, 5, 25, 45], 0, out, 0);
    deltaEncode([0, 0, 10, 20], 0, [5, 5, 25, 45], 0, out, 4, {
      means: [0.5, 0, 0, 0],
      stds: [0.1, 0.1, 0.2, 0.2],
    });
    expect(Array.from(out)).toEqual(
      [1, 0.75, Math.LN2, Math.LN2, 5, 7.5, Math.LN2 / 0.2, Math.LN2 / 0.2].map((v) => expect.closeTo(v, 5)),
    );
  });

  it("decode(encode(gt)) = gt for random boxes, with and without normalisation", () => {
    const rng = new Rng(5);
    const n = 50;
    const anchors = new Float32Array(n * 4);
    const gts = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (const arr of [anchors, gts]) {
        const x = rng.uniform(0, 100),
          y = rng.uniform(0, 100);
        arr.set([x, y, x + rng.uniform(2, 80), y + rng.uniform(2, 80)], 4 * i);
      }
    }
    for (const opts of [{}, { means: [0.1, -0.1, 0, 0.2], stds: [0.1, 0.1, 0.2, 0.2] }] as const) {
      const deltas = new Float32Array(n * 4);
      for (let i = 0; i < n; i++) deltaEncode(anchors, i, gts, i, deltas, 4 * i, opts);
      const back = tf.tidy(() =>
        deltaDecode(tf.tensor2d(anchors, [n, 4]), tf.tensor2d(deltas, [n, 4]), opts).dataSync(),
      );
      back.forEach((v, i) => expect(v).toBeCloseTo(gts[i]!, 3));
    }
  });

  it("clamps dw, dh to ±|log(16/1000)| at decode", () => {
    const got = tf.tidy(() =>
      Array.from(deltaDecode(tf.tensor2d([[0, 0, 2, 2]]), tf.tensor2d([[0, 0, 10, -10]])).dataSync()),
    );
    const big = 2 * (1000 / 16),
      small = 2 * (16 / 1000);
    expect(got).toEqual(
      [1 - big / 2, 1 - small / 2, 1 + big / 2, 1 + small / 2].map((v) => expect.closeTo(v, 3)),
    );
  });
});
