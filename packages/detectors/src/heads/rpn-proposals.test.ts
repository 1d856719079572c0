import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { baseAnchors, makeAnchorBoxes } from "./anchor-boxes";
import { deltaDecode, deltaEncode } from "./delta-coder";
import { RPN_ANCHORS } from "./faster-rcnn-head";
import { RCNN_CODER } from "./rcnn-loss";
import { decodeDelta, rpnProposals } from "./rpn-proposals";

beforeAll(useTestBackend);

const r2 = Math.SQRT2;

describe("RPN anchors (mmdet AnchorGenerator scales [8], ratios 0.5/1/2)", () => {
  it("base anchors of stride 4 and 64 by hand: side 8·stride at ratio 1, w = 8s/√r, h = 8s·√r", () => {
    // stride 4: 32×32; ratio 0.5: w = 32·√2 = 45.25, h = 32/√2 = 22.63; ratio 2: transposed
    const a = Array.from(baseAnchors(4, RPN_ANCHORS));
    const want = [-16 * r2, -8 * r2, 16 * r2, 8 * r2, -16, -16, 16, 16, -8 * r2, -16 * r2, 8 * r2, 16 * r2];
    a.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    const b = Array.from(baseAnchors(64, RPN_ANCHORS));
    expect(b.slice(4, 8)).toEqual([-256, -256, 256, 256]);
    expect(b[0]).toBeCloseTo(-256 * r2, 3);
  });

  it("grid order: level, row, column, anchor; 3 per location; P2–P6 of a 64 px image hold 1023 anchors", () => {
    const { boxes, counts } = makeAnchorBoxes(
      [
        [2, 2],
        [1, 1],
      ],
      [4, 8],
      RPN_ANCHORS,
    );
    expect(counts).toEqual([12, 3]);
    // location (y 0, x 1) of stride 4, anchor 1 (ratio 1): (−16, −16, 16, 16) + (4, 0)
    expect(Array.from(boxes.subarray(4 * 4, 4 * 5))).toEqual([-12, -16, 20, 16]);
    // location (y 1, x 0), anchor 1: + (0, 4)
    expect(Array.from(boxes.subarray(4 * 7, 4 * 8))).toEqual([-16, -12, 16, 20]);
    // stride 8, anchor 1: 64×64 at the origin
    expect(Array.from(boxes.subarray(4 * 13, 4 * 14))).toEqual([-32, -32, 32, 32]);
    const p = makeAnchorBoxes(
      [16, 8, 4, 2, 1].map((s) => [s, s] as [number, number]),
      [4, 8, 16, 32, 64],
      RPN_ANCHORS,
    );
    expect(p.counts).toEqual([768, 192, 48, 12, 3]);
  });
});

describe("delta coder (mmdet DeltaXYWHBBoxCoder)", () => {
  it("encodes a hand case with the R-CNN stds (0.1, 0.1, 0.2, 0.2)", () => {
    // anchor (0,0,10,20): centre (5,10), size 10×20; gt (5,5,15,45): centre (10,25), size 10×40
    const out = new Float32Array(4);
    deltaEncode([0, 0, 10, 20], 0, [5, 5, 15, 45], 0, out, 0, RCNN_CODER);
    const want = [0.5 / 0.1, 0.75 / 0.1, 0, Math.log(2) / 0.2];
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it("decode(encode(gt)) = gt for random boxes, in plain numbers and in tensors, RPN and R-CNN stds", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const before = tf.memory().numTensors;
    for (const coder of [{}, RCNN_CODER]) {
      const n = 50;
      const anchors = new Float32Array(4 * n);
      const gts = new Float32Array(4 * n);
      const deltas = new Float32Array(4 * n);
      for (let i = 0; i < n; i++) {
        const [x, y] = [rnd() * 200, rnd() * 200];
        anchors.set([x, y, x + 5 + rnd() * 100, y + 5 + rnd() * 100], 4 * i);
        const [gx, gy] = [x + (rnd() - 0.5) * 40, y + (rnd() - 0.5) * 40];
        // sizes within the coder's clamp (|log ratio| ≤ log(1000/16))
        gts.set([gx, gy, gx + 3 + rnd() * 150, gy + 3 + rnd() * 150], 4 * i);
        deltaEncode(anchors, i, gts, i, deltas, 4 * i, coder);
      }
      const back = new Float32Array(4 * n);
      for (let i = 0; i < n; i++) decodeDelta(anchors, i, deltas, i, back, 4 * i, coder);
      back.forEach((v, i) => expect(v).toBeCloseTo(gts[i]!, 3));
      const t = tf.tidy(() =>
        deltaDecode(tf.tensor2d(anchors, [n, 4]), tf.tensor2d(deltas, [n, 4]), coder).dataSync(),
      );
      t.forEach((v, i) => expect(v).toBeCloseTo(gts[i]!, 3));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("clamps decoded boxes to maxShape [H, W]", () => {
    const out = new Float32Array(4);
    decodeDelta([-10, 5, 30, 50], 0, [0, 0, 0, 0], 0, out, 0, {}, [40, 20]);
    expect(Array.from(out)).toEqual([0, 5, 20, 40]);
  });
});

describe("rpnProposals (mmdet RPNHead._predict_by_feat_single)", () => {
  // level 0: a0, a1 overlap (IoU 1444/1756 = 0.82 > 0.7), a2 apart; level 1: b0 = a0
  const lvl0 = [10, 10, 50, 50, 12, 12, 52, 52, 60, 60, 90, 90];
  const lvl1 = [10, 10, 50, 50];
  const zeros = (n: number) => new Float32Array(n);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));

  it("NMS runs per level, results best first with σ(logit) scores", () => {
    const p = rpnProposals([[2, 1, 0], [3]], [zeros(12), zeros(4)], [lvl0, lvl1], [100, 100], {
      preNms: 10,
      postNms: 10,
    });
    expect(Array.from(p.boxes)).toEqual([10, 10, 50, 50, 10, 10, 50, 50, 60, 60, 90, 90]);
    expect(p.scores[0]).toBeCloseTo(sig(3), 6);
    expect(p.scores[1]).toBeCloseTo(sig(2), 6);
    expect(p.scores[2]).toBeCloseTo(sig(0), 6);
  });

  it("keeps the top preNms per level before NMS and postNms after it", () => {
    const opts = { preNms: 1, postNms: 10 };
    const p = rpnProposals([[0, 1, 2], [3]], [zeros(12), zeros(4)], [lvl0, lvl1], [100, 100], opts);
    // level 0's best is a2 (logit 2); a0 and a1 are cut before NMS
    expect(Array.from(p.boxes)).toEqual([10, 10, 50, 50, 60, 60, 90, 90]);
    const q = rpnProposals([[2, 1, 0], [3]], [zeros(12), zeros(4)], [lvl0, lvl1], [100, 100], {
      preNms: 10,
      postNms: 2,
    });
    expect(q.scores.length).toBe(2);
  });

  it("decodes deltas, clips to the image and drops boxes of zero width", () => {
    const anchors = [[-20, 10, -5, 30, 0, 0, 40, 20]];
    // anchor 1 moved right by dx = 0.25 of its width (10 px) and doubled in height (dh = ln 2)
    const deltas = [Float32Array.from([0, 0, 0, 0, 0.25, 0, 0, Math.log(2)])];
    const p = rpnProposals([[5, 1]], deltas, anchors, [30, 45], { preNms: 10, postNms: 10 });
    expect(p.scores.length).toBe(1); // anchor 0 clipped to x1 = x2 = 0
    Array.from(p.boxes).forEach((v, i) => expect(v).toBeCloseTo([10, 0, 45, 30][i]!, 4));
  });
});
