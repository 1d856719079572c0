import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { rcnnLoss, rcnnTargets } from "./rcnn-loss";
import { rpnLoss } from "./rpn-loss";

beforeAll(useTestBackend);

describe("rcnnTargets (mmdet StandardRoIHead, add_gt_as_proposals)", () => {
  // gt (10,10,50,50) class 2; proposals: an exact copy, a shifted box (IoU 0.82), two far boxes (IoU 0, 0.14)
  const gt = [Float32Array.from([10, 10, 50, 50])];
  const cls = [Int32Array.from([2])];
  const props = [Float32Array.from([10, 10, 50, 50, 12, 12, 52, 52, 60, 60, 90, 90, 30, 30, 70, 70])];

  it("the gt itself is a positive, IoU ≥ 0.5 positives, the rest background (class C); deltas with stds 0.1/0.2", () => {
    const t = rcnnTargets(props, gt, cls, 3, [new Rng(0)]);
    expect(Array.from(t.labels)).toEqual([2, 2, 2, 3, 3]);
    expect(t.pos).toEqual([0, 1, 2]);
    expect(Array.from(t.rois)).toEqual([
      0, 10, 10, 50, 50, 0, 10, 10, 50, 50, 0, 12, 12, 52, 52, 0, 60, 60, 90, 90, 0, 30, 30, 70, 70,
    ]);
    // (12,12,52,52) → gt: dx = (30 − 32)/40 = −0.05 → /0.1 = −0.5, same for dy; equal sizes: dw = dh = 0
    const want = [0, 0, 0, 0, 0, 0, 0, 0, -0.5, -0.5, 0, 0];
    Array.from(t.deltas).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it("samples `num` RoIs per image with at most a quarter positive (mmdet RandomSampler, pos_fraction 0.25)", () => {
    // 200 proposals: 60 near-copies of the gt (IoU ≥ 0.5), 140 far boxes
    const many = new Float32Array(200 * 4);
    for (let i = 0; i < 200; i++) {
      const o = i < 60 ? i % 5 : 100 + (i % 50);
      many.set([10 + o, 10, 50 + o, 50], 4 * i);
    }
    for (const num of [512, 64, 16]) {
      const t = rcnnTargets([many], gt, cls, 3, [new Rng(1)], { num, posFraction: 0.25 });
      expect(t.labels.length, `num ${num}`).toBe(Math.min(num, 201));
      expect(t.pos.length, `num ${num}`).toBe(Math.min(61, num / 4));
    }
  });

  it("rcnnLoss: zero outputs give CE ln(C+1) per RoI and Σ|δ*| / #RoIs", () => {
    const before = tf.memory().numTensors;
    const t = rcnnTargets(props, gt, cls, 3, [new Rng(0)]);
    const [c, b] = tf.tidy(() => {
      const out = { cls: tf.zeros([5, 4]) as tf.Tensor2D, box: tf.zeros([5, 12]) as tf.Tensor2D };
      const l = rcnnLoss(out, t);
      return [l.rcnn_cls.dataSync()[0]!, l.rcnn_box.dataSync()[0]!];
    });
    expect(c).toBeCloseTo(Math.log(4), 5);
    expect(b).toBeCloseTo((0.5 + 0.5) / 5, 5);
    // the box loss reads the deltas of the RoI's own class: moving another class's deltas changes nothing
    const moved = tf.tidy(() => {
      const box = tf.buffer([5, 12]);
      for (let r = 0; r < 5; r++) for (let k = 0; k < 4; k++) box.set(7, r, k); // class 0 deltas
      return rcnnLoss(
        { cls: tf.zeros([5, 4]) as tf.Tensor2D, box: box.toTensor() as tf.Tensor2D },
        t,
      ).rcnn_box.dataSync()[0]!;
    });
    expect(moved).toBeCloseTo(b, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("rpnLoss (mmdet RPNHead)", () => {
  it("hand case: one positive (IoU 0.82), one negative; BCE and L1 over Z = max(#pos,1) + max(#neg,1)", () => {
    const before = tf.memory().numTensors;
    const anchors = Float32Array.from([0, 0, 10, 10, 100, 100, 110, 110]);
    const gt = [Float32Array.from([1, 0, 11, 10])]; // IoU 90/110 with anchor 0; δ* = (0.1, 0, 0, 0)
    const [c, b] = tf.tidy(() => {
      const l = rpnLoss(tf.zeros([1, 2]) as tf.Tensor2D, tf.zeros([1, 2, 4]) as tf.Tensor3D, anchors, gt, [
        new Rng(0),
      ]);
      return [l.rpn_cls.dataSync()[0]!, l.rpn_box.dataSync()[0]!];
    });
    expect(c).toBeCloseTo((2 * Math.log(2)) / 2, 5);
    expect(b).toBeCloseTo(0.1 / 2, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an image without objects: only negatives, no box loss", () => {
    const anchors = Float32Array.from([0, 0, 10, 10, 100, 100, 110, 110]);
    const [c, b] = tf.tidy(() => {
      const l = rpnLoss(
        tf.fill([1, 2], 2) as tf.Tensor2D,
        tf.ones([1, 2, 4]) as tf.Tensor3D,
        anchors,
        [new Float32Array(0)],
        [new Rng(0)],
      );
      return [l.rpn_cls.dataSync()[0]!, l.rpn_box.dataSync()[0]!];
    });
    // BCE(2, 0) = 2 + log(1 + e^−2); Z = 1 + 2
    expect(c).toBeCloseTo((2 * (2 + Math.log1p(Math.exp(-2)))) / 3, 5);
    expect(b).toBe(0);
  });
});
