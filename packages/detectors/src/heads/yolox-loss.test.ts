import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import type { HeadOutput } from "./types";
import { YoloxHead } from "./yolox-head";
import { yoloxDense, yoloxLoss } from "./yolox-loss";

beforeAll(useTestBackend);

const softplus = (x: number) => Math.log1p(Math.exp(x));
/** BCE with logits: softplus(x) − x·y. */
const bce = (x: number, y: number) => softplus(x) - x * y;

// One level, stride 8, 2×2 cells (cell corners (0,0), (8,0), (0,8), (8,8)); 2 images, 2 classes.
// Cell (1,1) (anchor 3) predicts t = [0, 0, ln 1.5, ln 1.2] → centre (8, 8), size 12 × 9.6 → [2, 3.2, 14, 12.8];
// the others t = 0 → centre at their corner, size 8. cls logits 0 except anchor 3: [0.3, −0.2]; obj 0 except anchor 3: 1.
function raw(): HeadOutput {
  const box = new Float32Array(2 * 4 * 4);
  const cls = new Float32Array(2 * 4 * 2);
  const obj = new Float32Array(2 * 4);
  for (let b = 0; b < 2; b++) {
    box.set([0, 0, Math.log(1.5), Math.log(1.2)], (b * 4 + 3) * 4);
    cls.set([0.3, -0.2], (b * 4 + 3) * 2);
    obj[b * 4 + 3] = 1;
  }
  return {
    box: [tf.tensor4d(box, [2, 2, 2, 4])],
    cls: [tf.tensor4d(cls, [2, 2, 2, 2])],
    quality: [tf.tensor4d(obj, [2, 2, 2, 1])],
  };
}

describe("YOLOX decoding and loss (hand case)", () => {
  it("decodes centre = (t_xy + cell)·s, size = exp(t_wh)·s; scores = σ(obj)·σ(cls)", () => {
    const before = tf.memory().numTensors;
    const r = raw();
    const d = yoloxDense(r, [8]);
    const boxes = d.boxes.arraySync();
    expect(boxes[0]![3]![0]).toBeCloseTo(2, 5);
    expect(boxes[0]![3]![1]).toBeCloseTo(3.2, 5);
    expect(boxes[0]![3]![2]).toBeCloseTo(14, 5);
    expect(boxes[0]![3]![3]).toBeCloseTo(12.8, 5);
    expect(boxes[1]![1]).toEqual([4, -4, 12, 4]);
    expect(Array.from(d.centres)).toEqual([4, 4, 12, 4, 4, 12, 12, 12]);
    const head = new YoloxHead([{ name: "p3", channels: 4, stride: 8 }], 2, new Rng(0));
    const dec = head.decode(r);
    const s = dec.scores.arraySync();
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    expect(s[0]![3]![0]).toBeCloseTo(sig(1) * sig(0.3), 6);
    expect(s[0]![0]![1]).toBeCloseTo(0.25, 6);
    tf.dispose([r, d.cls, d.obj, d.boxes, dec]);
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => yoloxDense({ cls: [], box: [] }, [8])).toThrow(/no objectness logits/);
  });

  it("loss = 5·Σ(1 − IoU²)/F + Σ_all BCE(obj)/F + Σ_fg BCE(cls, IoU·onehot)/F", () => {
    // image 0: gt [2,2,14,14] class 1. IoUs: anchor 3 0.8, anchor 0 4/204, anchors 1, 2 16/192 → Σ = 0.986 → k = 1;
    // anchor 3 is the cheapest (its −log IoU cost 0.67 against ≥ 7.4) → the only positive, F = 1. Image 1: no gts.
    const before = tf.memory().numTensors;
    const r = raw();
    const targets = {
      boxes: [new Float32Array([2, 2, 14, 14]), new Float32Array(0)],
      classes: [new Int32Array([1]), new Int32Array(0)],
    };
    const l = yoloxLoss(r, targets, [8], 2);
    const iou = 5 * (1 - 0.8 ** 2);
    // objectness: image 0 anchors 0–2 (logit 0, target 0), anchor 3 (logit 1, target 1); image 1 all targets 0
    const obj = 6 * Math.LN2 + bce(1, 1) + bce(1, 0);
    // classification of anchor 3: targets [0, IoU = 0.8]
    const cls = bce(0.3, 0) + bce(-0.2, 0.8);
    expect(l.parts.iou!.dataSync()[0]).toBeCloseTo(iou, 5);
    expect(l.parts.obj!.dataSync()[0]).toBeCloseTo(obj, 5);
    expect(l.parts.cls!.dataSync()[0]).toBeCloseTo(cls, 5);
    expect(l.total.dataSync()[0]).toBeCloseTo(iou + obj + cls, 5);
    // custom weights scale the parts
    const w = yoloxLoss(r, targets, [8], 2, { iou: 1, obj: 2, cls: 0.5 });
    expect(w.total.dataSync()[0]).toBeCloseTo(iou / 5 + 2 * obj + 0.5 * cls, 5);
    // no gt anywhere: only objectness negatives, normalised by F = max(0, 1) = 1
    const empty = yoloxLoss(
      r,
      { boxes: [new Float32Array(0), new Float32Array(0)], classes: [new Int32Array(0), new Int32Array(0)] },
      [8],
      2,
    );
    expect(empty.total.dataSync()[0]).toBeCloseTo(6 * Math.LN2 + 2 * bce(1, 0), 5);
    tf.dispose([r, l, w, empty]);
    expect(tf.memory().numTensors).toBe(before);
    const bad = raw();
    expect(() => yoloxLoss(bad, { boxes: [], classes: [] }, [8], 2)).toThrow(
      /targets for 0 images, batch has 2/,
    );
    tf.dispose(bad);
    expect(tf.memory().numTensors).toBe(before);
  });
});
