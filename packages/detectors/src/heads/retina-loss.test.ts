import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { retinaLoss, type RetinaBoxLoss } from "./retina-loss";

beforeAll(useTestBackend);

/**
 * One level (stride 8, 2×2 cells), one 16-px square anchor per cell centred at the cell corners
 * (0,0) (8,0) (0,8) (8,8); gt [0,0,16,16] of class 0 (C = 1). IoUs: 1/7, 1/3, 1/3, 1 → anchor 3 is
 * the only positive, the others background. Image 2 has no gt. Deltas at anchor 3: (0.1, −0.2, 0.3, 0).
 */
const anchors = { ratios: [1], scalesPerOctave: 1, octaveBaseScale: 2 };
const targets = {
  boxes: [new Float32Array([0, 0, 16, 16]), new Float32Array(0)],
  classes: [new Int32Array([0]), new Int32Array(0)],
};

function lossOf(boxLoss: RetinaBoxLoss): Record<string, number> {
  return tf.tidy(() => {
    const box = new Float32Array(2 * 4 * 4);
    box.set([0.1, -0.2, 0.3, 0], 12);
    const raw = { cls: [tf.zeros([2, 2, 2, 1]) as tf.Tensor4D], box: [tf.tensor4d(box, [2, 2, 2, 4])] };
    const l = retinaLoss(raw, targets, [8], 1, { boxLoss, anchors });
    return Object.fromEntries([
      ["total", l.total.dataSync()[0]!],
      ...Object.entries(l.parts).map(([k, v]) => [k, v.dataSync()[0]!]),
    ]);
  });
}

describe("retinaLoss (hand values)", () => {
  it("focal over all non-ignored anchors / Σ_images max(#pos, 1); L1 on deltas (gt = anchor → target 0)", () => {
    const l = lossOf("l1");
    // logit 0: positive ln2·0.25·0.25, background ln2·0.75·0.25; 1 positive + 7 background; Z = 1 + 1
    expect(l.cls).toBeCloseTo((Math.LN2 * 0.0625 + 7 * Math.LN2 * 0.1875) / 2, 5);
    expect(l.box).toBeCloseTo(0.6 / 2, 5);
    expect(l.total).toBeCloseTo(l.cls! + l.box!, 6);
  });

  it("smooth-L1 (β 0.11) and GIoU of the decoded box", () => {
    // 0.5·0.1²/0.11 + (0.2 − 0.055) + (0.3 − 0.055) + 0
    expect(lossOf("smooth-l1").box).toBeCloseTo((0.05 / 1.1 + 0.145 + 0.245) / 2, 5);
    // decoded: centre (8 + 1.6, 8 − 3.2), size (16·e^0.3, 16)
    const w = 16 * Math.exp(0.3);
    const p = [9.6 - w / 2, -3.2, 9.6 + w / 2, 12.8];
    const inter = 16 * 12.8,
      union = w * 16 + 256 - inter,
      hull = (p[2]! - p[0]!) * (16 - p[1]!);
    expect(lossOf("giou").box).toBeCloseTo((1 - (inter / union - (hull - union) / hull)) / 2, 4);
  });

  it("anchors with best IoU in [0.4, 0.5) are left out of the focal term", () => {
    // gt0 [0,0,16,16] (IoU 1 with anchor 3); gt1 [−2,−8,16,8]: anchor 1 IoU 256/288 = 0.889 (positive),
    // anchor 0 IoU 160/384 = 0.417 with gt1 and 1/7 with gt0 → ignored; anchor 2: best 1/3 → background
    const cls = tf.tidy(() => {
      const raw = {
        cls: [tf.zeros([1, 2, 2, 1]) as tf.Tensor4D],
        box: [tf.zeros([1, 2, 2, 4]) as tf.Tensor4D],
      };
      const t = {
        boxes: [new Float32Array([0, 0, 16, 16, -2, -8, 16, 8])],
        classes: [new Int32Array([0, 0])],
      };
      return retinaLoss(raw, t, [8], 1, { anchors }).parts.cls!.dataSync()[0]!;
    });
    // 2 positives + 1 background (anchor 0 ignored), Z = 2
    expect(cls).toBeCloseTo((2 * Math.LN2 * 0.0625 + Math.LN2 * 0.1875) / 2, 5);
  });
});
