import { iou } from "./box-math";

/** One image's ATSS inputs; boxes xyxy in input pixels. */
export interface AtssInput {
  /** `[A·4]` anchor boxes, level by level. */
  anchors: ArrayLike<number>;
  /** Anchors per level (sums to A). */
  levelCounts: readonly number[];
  /** `[M·4]` ground-truth boxes. */
  gtBoxes: ArrayLike<number>;
}

/**
 * Adaptive Training Sample Selection (Zhang et al., CVPR 2020), exactly as mmdet `ATSSAssigner`
 * (topk 9, no ignore boxes):
 * 1. per gt and per level, the `topk` anchors whose centres are closest (L2) to the gt centre
 *    (ties: lower anchor index first) are candidates;
 * 2. threshold t_g = mean + std (unbiased, as `torch.std`) of the candidates' IoU with the gt;
 * 3. positives: candidates with IoU ≥ t_g whose centre lies inside the gt (min side distance > 0.01);
 * 4. an anchor positive for several gts takes the gt of highest IoU (first on ties).
 * Returns, per anchor, the assigned gt index or −1 (background). Pure function of one image.
 */
export function atssAssign(input: AtssInput, topk = 9): Int32Array {
  const { anchors, gtBoxes: g, levelCounts } = input;
  const A = anchors.length / 4;
  const M = g.length / 4;
  const assigned = new Int32Array(A).fill(-1);
  if (M === 0 || A === 0) return assigned;
  const cx = new Float64Array(A);
  const cy = new Float64Array(A);
  for (let a = 0; a < A; a++) {
    cx[a] = ((anchors[4 * a] as number) + (anchors[4 * a + 2] as number)) / 2;
    cy[a] = ((anchors[4 * a + 1] as number) + (anchors[4 * a + 3] as number)) / 2;
  }
  const best = new Float64Array(A).fill(-Infinity);
  for (let j = 0; j < M; j++) {
    const x1 = g[4 * j] as number,
      y1 = g[4 * j + 1] as number,
      x2 = g[4 * j + 2] as number,
      y2 = g[4 * j + 3] as number;
    const gx = (x1 + x2) / 2,
      gy = (y1 + y2) / 2;
    const cand: number[] = [];
    let start = 0;
    for (const n of levelCounts) {
      const idx = Array.from({ length: n }, (_, i) => start + i);
      const d = (a: number): number =>
        Math.sqrt(((cx[a] as number) - gx) ** 2 + ((cy[a] as number) - gy) ** 2);
      idx.sort((p, q) => d(p) - d(q) || p - q);
      cand.push(...idx.slice(0, Math.min(topk, n)));
      start += n;
    }
    const ious = cand.map((a) => iou(anchors, a, g, j));
    const mean = ious.reduce((s, v) => s + v, 0) / ious.length;
    const std =
      ious.length > 1 ? Math.sqrt(ious.reduce((s, v) => s + (v - mean) ** 2, 0) / (ious.length - 1)) : NaN;
    const thr = mean + std;
    cand.forEach((a, k) => {
      const v = ious[k] as number;
      const inside =
        Math.min(
          (cx[a] as number) - x1,
          (cy[a] as number) - y1,
          x2 - (cx[a] as number),
          y2 - (cy[a] as number),
        ) > 0.01;
      if (!(v >= thr) || !inside) return;
      if (v > (best[a] as number)) {
        best[a] = v;
        assigned[a] = j;
      }
    });
  }
  return assigned;
}
