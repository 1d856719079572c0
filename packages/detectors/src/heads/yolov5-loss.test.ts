import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import type { HeadOutput } from "./types";
import { YOLOV5_ANCHORS, yolov5Dense, yolov5Loss, yolov5Targets, type Yolov5Positive } from "./yolov5-loss";

beforeAll(useTestBackend);

const STRIDES = [8, 16, 32];
/** A 64×64 input: maps 8×8, 4×4, 2×2. */
const SHAPES: Array<[number, number]> = [
  [8, 8],
  [4, 4],
  [2, 2],
];
/** Image 0: one gt, centre (27, 21), size 20×28 (xyxy 17, 7, 37, 35), class 1; image 1: none. */
const TARGETS = {
  boxes: [new Float32Array([17, 7, 37, 35]), new Float32Array(0)],
  classes: [new Int32Array([1]), new Int32Array(0)],
};

describe("YOLOv5 target assignment (hand case)", () => {
  it("matches anchors by the 4× ratio rule and adds the neighbour cells with g = 0.5, in ultralytics order", () => {
    // P3 (s 8): c = (3.375, 2.625), wh = (2.5, 3.5); anchors/8 = (1.25, 1.625), (2, 3.75), (4.125, 2.875): ratios
    // ≤ 2.16, all three match; c_x mod 1 = 0.375 < 0.5 → left cell (2, 2); (8 − c_y) mod 1 = 0.375 → lower (3, 3).
    // P4 (s 16): c = (1.6875, 1.3125), wh = (1.25, 1.75); anchors/16 (1.875, 3.8125), (3.875, 2.8125) match (max
    // ratio 2.18, 3.1), (3.6875, 7.4375) does not (4.25); c_y mod 1 = 0.3125 → upper (1, 0); (4 − c_x) mod 1 = 0.3125
    // → right (2, 1). P5 (s 32): wh = (0.625, 0.875) against (3.625, 2.8125) … : every ratio ≥ 4, no match.
    const pos = yolov5Targets(TARGETS, SHAPES, STRIDES, YOLOV5_ANCHORS);
    const p = (level: number, anchor: number, gi: number, gj: number, box: number[]): Yolov5Positive => ({
      level,
      image: 0,
      anchor,
      gi,
      gj,
      box: box as [number, number, number, number],
      cls: 1,
    });
    const l0 = (a: number, gi: number, gj: number) => p(0, a, gi, gj, [3.375 - gi, 2.625 - gj, 2.5, 3.5]);
    const l1 = (a: number, gi: number, gj: number) => p(1, a, gi, gj, [1.6875 - gi, 1.3125 - gj, 1.25, 1.75]);
    expect(pos).toEqual([
      ...[0, 1, 2].map((a) => l0(a, 3, 2)),
      ...[0, 1, 2].map((a) => l0(a, 2, 2)),
      ...[0, 1, 2].map((a) => l0(a, 3, 3)),
      ...[0, 1].map((a) => l1(a, 1, 1)),
      ...[0, 1].map((a) => l1(a, 1, 0)),
      ...[0, 1].map((a) => l1(a, 2, 1)),
    ]);
  });

  it("takes no neighbour across the border (c < 1) and rejects a gt 4× an anchor", () => {
    // P3: centre (4, 4) px → c = (0.5, 0.5): mod 1 = 0.5 is not < 0.5 → own cell only; size 5×6.5 px = anchor 0 × 0.5.
    const small = { boxes: [new Float32Array([1.5, 0.75, 6.5, 7.25])], classes: [new Int32Array([0])] };
    const pos = yolov5Targets(small, SHAPES, STRIDES, YOLOV5_ANCHORS).filter((q) => q.level === 0);
    expect(pos.map((q) => [q.anchor, q.gi, q.gj])).toEqual([[0, 0, 0]]);
    // anchor 0 of P3 is 10×13 px: a 40×13 gt has ratio exactly 4 (not < 4) → rejected; 39.9 → accepted
    const at = (w: number) =>
      yolov5Targets(
        { boxes: [new Float32Array([20, 20, 20 + w, 33])], classes: [new Int32Array([0])] },
        SHAPES,
        STRIDES,
        [YOLOV5_ANCHORS[0]!.slice(0, 1), [], []],
      ).length;
    expect(at(40)).toBe(0);
    expect(at(39.9)).toBeGreaterThan(0);
  });
});

/** Plain-number oracle of ultralytics `bbox_iou(xywh, CIoU=True)` with kdet's eps placement (heights and union). */
function ciou(a: number[], b: number[]): number {
  const eps = 1e-7;
  const [ax1, ay1, ax2, ay2] = [a[0]! - a[2]! / 2, a[1]! - a[3]! / 2, a[0]! + a[2]! / 2, a[1]! + a[3]! / 2];
  const [bx1, by1, bx2, by2] = [b[0]! - b[2]! / 2, b[1]! - b[3]! / 2, b[0]! + b[2]! / 2, b[1]! + b[3]! / 2];
  const [w1, h1, w2, h2] = [ax2 - ax1, ay2 - ay1 + eps, bx2 - bx1, by2 - by1 + eps];
  const inter =
    Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0) *
    Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
  const iou = inter / (w1 * h1 + w2 * h2 - inter + eps);
  const cw = Math.max(ax2, bx2) - Math.min(ax1, bx1);
  const ch = Math.max(ay2, by2) - Math.min(ay1, by1);
  const rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4;
  const v = (4 / Math.PI ** 2) * (Math.atan(w2 / h2) - Math.atan(w1 / h1)) ** 2;
  return iou - rho2 / (cw * cw + ch * ch + eps) - v * (v / (v - iou + 1 + eps));
}
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const bce = (x: number, y: number) => Math.log1p(Math.exp(x)) - x * y;

describe("YOLOv5 loss", () => {
  it("equals a loop-by-loop oracle of ultralytics ComputeLoss on random outputs (2 images, 3 classes, 64 px)", () => {
    const C = 3;
    const rng = new Rng(5);
    const raw: HeadOutput = {
      box: SHAPES.map(([h, w]) => rng.normalTensor([2, h, w, 12]) as tf.Tensor4D),
      quality: SHAPES.map(([h, w]) => rng.normalTensor([2, h, w, 3]) as tf.Tensor4D),
      cls: SHAPES.map(([h, w]) => rng.normalTensor([2, h, w, 3 * C]) as tf.Tensor4D),
    };
    const before = tf.memory().numTensors;
    const loss = yolov5Loss(raw, TARGETS, STRIDES, YOLOV5_ANCHORS, C);
    const got = Object.fromEntries(
      Object.entries(loss.parts).map(([k, v]) => [k, v.dataSync()[0] as number]),
    );
    const total = loss.total.dataSync()[0] as number;
    tf.dispose([loss.total, ...Object.values(loss.parts)]);
    expect(tf.memory().numTensors).toBe(before);

    // oracle: raw value of image b, level l, cell (gj, gi), anchor a, field f
    const data = {
      box: raw.box.map((t) => t.arraySync() as number[][][][]),
      obj: raw.quality!.map((t) => t.arraySync() as number[][][][]),
      cls: raw.cls.map((t) => t.arraySync() as number[][][][]),
    };
    const pos = yolov5Targets(TARGETS, SHAPES, STRIDES, YOLOV5_ANCHORS);
    let lbox = 0;
    let lobj = 0;
    let lcls = 0;
    const balance = [4, 1, 0.4];
    SHAPES.forEach(([h, w], l) => {
      const mine = pos.filter((q) => q.level === l);
      const tobj = new Map<string, number>();
      for (const q of mine) {
        const t = data.box[l]![q.image]![q.gj]![q.gi]!.slice(4 * q.anchor, 4 * q.anchor + 4);
        const [aw, ah] = YOLOV5_ANCHORS[l]![q.anchor]!;
        const s = STRIDES[l]!;
        const pb = [
          2 * sig(t[0]!) - 0.5,
          2 * sig(t[1]!) - 0.5,
          (2 * sig(t[2]!)) ** 2 * (aw / s),
          (2 * sig(t[3]!)) ** 2 * (ah / s),
        ];
        const iou = ciou(pb, q.box);
        lbox += (1 - iou) / mine.length;
        tobj.set(`${q.image},${q.gj},${q.gi},${q.anchor}`, Math.max(iou, 0));
        const logits = data.cls[l]![q.image]![q.gj]![q.gi]!.slice(C * q.anchor, C * q.anchor + C);
        for (let c = 0; c < C; c++) lcls += bce(logits[c]!, c === q.cls ? 1 : 0) / (mine.length * C);
      }
      let sum = 0;
      for (let b = 0; b < 2; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let a = 0; a < 3; a++)
              sum += bce(data.obj[l]![b]![y]![x]![a]!, tobj.get(`${b},${y},${x},${a}`) ?? 0);
      lobj += (balance[l]! * sum) / (2 * h * w * 3);
    });
    // hyp.scratch-low gains scaled as train.py (3 levels, 3 classes, --img 64), times the batch size 2
    const want = { box: lbox * 0.05 * 2, obj: lobj * (64 / 640) ** 2 * 2, cls: lcls * 0.5 * (C / 80) * 2 };
    for (const k of ["box", "obj", "cls"] as const) expect(got[k]! / want[k], k).toBeCloseTo(1, 4);
    expect(total).toBeCloseTo(want.box + want.obj + want.cls, 5);
    tf.dispose([...raw.box, ...raw.quality!, ...raw.cls]);
  });

  it("decodes zero outputs to anchor-sized boxes at the cell centres (anchor-major within a cell)", () => {
    const raw: HeadOutput = {
      box: SHAPES.map(([h, w]) => tf.zeros([1, h, w, 12]) as tf.Tensor4D),
      quality: SHAPES.map(([h, w]) => tf.zeros([1, h, w, 3]) as tf.Tensor4D),
      cls: SHAPES.map(([h, w]) => tf.zeros([1, h, w, 6]) as tf.Tensor4D),
    };
    const d = yolov5Dense(raw, STRIDES, YOLOV5_ANCHORS, 2);
    const boxes = d.boxes.arraySync()[0]!;
    expect(boxes.length).toBe(3 * (64 + 16 + 4));
    // P4 (after 8·8·3 = 192 P3 anchors), cell (x 2, y 1), anchor 1 (62×45): centre (40, 24)
    const k = 192 + (1 * 4 + 2) * 3 + 1;
    expect(boxes[k]!.map((v) => Math.round(v * 1e4) / 1e4)).toEqual([9, 1.5, 71, 46.5]);
    expect(d.cls.shape).toEqual([1, 252, 2]);
    tf.dispose([d.boxes, d.cls, d.obj, ...raw.box, ...raw.quality!, ...raw.cls]);
  });
});
