import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { fcosLoss } from "./fcos-loss";

beforeAll(useTestBackend);

/**
 * One level (stride 8, 2×2 locations at (4,4) (12,4) (4,12) (12,12)), one gt [0,0,16,16] of class 1
 * (C = 2): every location is positive, its (l,t,r,b)/8 is a permutation of (0.5, 0.5, 1.5, 1.5)
 * and its centre-ness target is √(1/3 · 1/3) = 1/3.
 */
const targets = { boxes: [new Float32Array([0, 0, 16, 16])], classes: [new Int32Array([1])] };
const exact = [0.5, 0.5, 1.5, 1.5, 1.5, 0.5, 0.5, 1.5, 0.5, 1.5, 1.5, 0.5, 1.5, 1.5, 0.5, 0.5];

function lossOf(box: number[], ctrLogit: number): Record<string, number> {
  return tf.tidy(() => {
    const raw = {
      cls: [tf.zeros([1, 2, 2, 2]) as tf.Tensor4D],
      box: [tf.tensor4d(box, [1, 2, 2, 4])],
      quality: [tf.fill([1, 2, 2, 1], ctrLogit) as tf.Tensor4D],
    };
    const l = fcosLoss(raw, targets, [8], 2);
    return Object.fromEntries([
      ["total", l.total.dataSync()[0]!],
      ...Object.entries(l.parts).map(([k, v]) => [k, v.dataSync()[0]!]),
    ]);
  });
}

describe("fcosLoss (hand values)", () => {
  it("exact boxes: box 0; centre-ness BCE at c* = 1/3 is its entropy; focal at logit 0 over 4 positives", () => {
    const l = lossOf(exact, Math.log(1 / 3 / (2 / 3)));
    expect(l.box).toBeCloseTo(0, 5);
    // H(1/3) = −(1/3·ln 1/3 + 2/3·ln 2/3)
    expect(l.ctr).toBeCloseTo(0.6365142, 5);
    // per location: class 1 (t=1) ln2·0.25·0.25, class 0 (t=0) ln2·0.75·0.25 → 4·0.1732868 / 4 positives
    expect(l.cls).toBeCloseTo(0.1732868, 5);
    expect(l.total).toBeCloseTo(l.cls! + l.box! + l.ctr!, 6);
  });

  it("GIoU term: pred (1,1,1,1) against targets (0.5,0.5,1.5,1.5) gives 1 − GIoU = 1 − (2.25/5.75 − 0.5/6.25)", () => {
    const l = lossOf(new Array(16).fill(1), 0);
    expect(l.box).toBeCloseTo(1 - (2.25 / 5.75 - 0.5 / 6.25), 4);
    // centre-ness BCE at logit 0 is ln 2 whatever the target
    expect(l.ctr).toBeCloseTo(Math.LN2, 5);
  });

  it("an image without gts adds only background focal terms; no positive at all gives box = ctr = 0", () => {
    const none = tf.tidy(() => {
      const raw = {
        cls: [tf.zeros([1, 2, 2, 2]) as tf.Tensor4D],
        box: [tf.ones([1, 2, 2, 4]) as tf.Tensor4D],
        quality: [tf.zeros([1, 2, 2, 1]) as tf.Tensor4D],
      };
      const l = fcosLoss(raw, { boxes: [new Float32Array(0)], classes: [new Int32Array(0)] }, [8], 2);
      return [l.parts.cls!.dataSync()[0]!, l.parts.box!.dataSync()[0]!, l.parts.ctr!.dataSync()[0]!];
    });
    // 8 background terms ln2·0.75·0.25, divided by max(0, 1)
    expect(none[0]).toBeCloseTo(8 * Math.LN2 * 0.1875, 5);
    expect(none.slice(1)).toEqual([0, 0]);
  });
});
