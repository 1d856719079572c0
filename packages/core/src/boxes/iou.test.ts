import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../random";
import { useCpuBackend } from "../testing/cpu";
import { boxIouAligned, boxIouPairwise, type IouKind } from "./iou";

beforeAll(useCpuBackend);

/** Independent float64 reference written from the papers' definitions (no eps). */
function refIou(a: number[], b: number[], kind: IouKind): number {
  const [ax1, ay1, ax2, ay2] = a as [number, number, number, number];
  const [bx1, by1, bx2, by2] = b as [number, number, number, number];
  const inter =
    Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1)) *
    Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const areaA = (ax2 - ax1) * (ay2 - ay1),
    areaB = (bx2 - bx1) * (by2 - by1);
  const union = areaA + areaB - inter;
  const iou = inter / union;
  const cx1 = Math.min(ax1, bx1),
    cy1 = Math.min(ay1, by1),
    cx2 = Math.max(ax2, bx2),
    cy2 = Math.max(ay2, by2);
  if (kind === "iou") return iou;
  if (kind === "giou") return iou - ((cx2 - cx1) * (cy2 - cy1) - union) / ((cx2 - cx1) * (cy2 - cy1));
  const c2 = (cx2 - cx1) ** 2 + (cy2 - cy1) ** 2;
  const rho2 = ((ax1 + ax2) / 2 - (bx1 + bx2) / 2) ** 2 + ((ay1 + ay2) / 2 - (by1 + by2) / 2) ** 2;
  if (kind === "diou") return iou - rho2 / c2;
  const v =
    (4 / Math.PI ** 2) * (Math.atan((bx2 - bx1) / (by2 - by1)) - Math.atan((ax2 - ax1) / (ay2 - ay1))) ** 2;
  const alpha = v / (1 - iou + v);
  return iou - rho2 / c2 - alpha * v;
}

function randomBoxes(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => {
    const x = rng.uniform(0, 100),
      y = rng.uniform(0, 100);
    return [x, y, x + rng.uniform(1, 60), y + rng.uniform(1, 60)];
  });
}

describe("box IoU", () => {
  it("matches hand values", () => {
    const a = tf.tensor2d([[0, 0, 2, 2]]);
    const b = tf.tensor2d([
      [1, 1, 3, 3],
      [2, 2, 4, 4],
      [0, 0, 2, 2],
    ]);
    const iou = boxIouPairwise(a, b).arraySync()[0]!;
    expect(iou[0]).toBeCloseTo(1 / 7, 6);
    expect(iou[1]).toBeCloseTo(0, 6);
    expect(iou[2]).toBeCloseTo(1, 6);
    // GIoU of touching-corner boxes: 0 − (16 − 8)/16
    expect(boxIouPairwise(a, b, "giou").arraySync()[0]![1]).toBeCloseTo(-0.5, 6);
  });

  for (const kind of ["iou", "giou", "diou", "ciou"] as const) {
    it(`${kind}: pairwise equals the float64 reference on random boxes`, () => {
      const rng = new Rng(11);
      const A = randomBoxes(rng, 7),
        B = randomBoxes(rng, 9);
      const got = boxIouPairwise(tf.tensor2d(A), tf.tensor2d(B), kind).arraySync();
      A.forEach((a, i) =>
        B.forEach((b, j) => expect(Math.abs(got[i]![j]! - refIou(a, b, kind))).toBeLessThan(2e-5)),
      );
      const aligned = boxIouAligned(tf.tensor2d(A), tf.tensor2d(B.slice(0, 7)), kind).arraySync() as number[];
      A.forEach((a, i) => expect(Math.abs(aligned[i]! - refIou(a, B[i]!, kind))).toBeLessThan(2e-5));
    });
  }

  it("CIoU gradient is finite and alpha carries no gradient", () => {
    const b = tf.tensor2d([[10, 10, 30, 50]]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(boxIouAligned(a, b, "ciou")))(tf.tensor2d([[12, 8, 40, 44]]));
    const eps = 1e-3;
    const f = (v: number[]) => refIou(v, [10, 10, 30, 50], "ciou");
    // numeric gradient with alpha held fixed at its value at the point
    const p = [12, 8, 40, 44];
    const alpha0 = (() => {
      const iou = refIou(p, [10, 10, 30, 50], "iou");
      const v = (4 / Math.PI ** 2) * (Math.atan(20 / 40) - Math.atan(28 / 36)) ** 2;
      return v / (1 - iou + v);
    })();
    const fixed = (v: number[]) => {
      const vv =
        (4 / Math.PI ** 2) * (Math.atan(20 / 40) - Math.atan((v[2]! - v[0]!) / (v[3]! - v[1]!))) ** 2;
      return refIou(v, [10, 10, 30, 50], "diou") - alpha0 * vv;
    };
    const gd = g.dataSync();
    for (let k = 0; k < 4; k++) {
      const up = [...p],
        dn = [...p];
      up[k]! += eps;
      dn[k]! -= eps;
      expect(gd[k]).toBeCloseTo((fixed(up) - fixed(dn)) / (2 * eps), 3);
    }
    expect(Number.isFinite(f(p))).toBe(true);
  });

  it("does not leak tensors", () => {
    const a = tf.tensor2d([[0, 0, 2, 2]]),
      b = tf.tensor2d([[1, 1, 3, 3]]);
    const n = tf.memory().numTensors;
    for (const k of ["iou", "giou", "diou", "ciou"] as const) boxIouPairwise(a, b, k).dispose();
    expect(tf.memory().numTensors).toBe(n);
  });
});
