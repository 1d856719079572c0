import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { bceWithLogits } from "./bce";
import { qualityFocalLoss } from "./qfl";

beforeAll(useTestBackend);

describe("qualityFocalLoss / bceWithLogits (hand values)", () => {
  it("QFL = BCE(x, y)·|y − σ(x)|^β", () => {
    const x = tf.tensor1d([0, 0, 2, -3, 40]);
    const y = tf.tensor1d([0.5, 0, 1, 0.2, 0]);
    const [q, b] = tf.tidy(() => [
      Array.from(qualityFocalLoss(x, y).dataSync()),
      Array.from(bceWithLogits(x, y).dataSync()),
    ]);
    const s3 = 1 / (1 + Math.exp(3));
    const bce3 = 3 * 0.2 + Math.log(1 + Math.exp(-3)); // max(x,0) − x·z + log(1 + e^−|x|) at x = −3, z = 0.2
    expect(b).toEqual(
      [Math.LN2, Math.LN2, Math.log(1 + Math.exp(-2)), bce3, 40].map((v) => expect.closeTo(v, 5)),
    );
    expect(q[0]).toBe(0); // y = σ(0)
    expect(q[1]).toBeCloseTo(Math.LN2 * 0.25, 6);
    expect(q[2]).toBeCloseTo(Math.log(1 + Math.exp(-2)) * (1 - 1 / (1 + Math.exp(-2))) ** 2, 6);
    expect(q[3]).toBeCloseTo(bce3 * (0.2 - s3) ** 2, 6);
    expect(q[4]).toBeCloseTo(40, 3); // confident false positive: factor σ(40)² = 1, no overflow
    tf.dispose([x, y]);
  });
});
