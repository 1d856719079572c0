/**
 * Scalar box overlaps on flat xyxy arrays (box i occupies `[4i, 4i+4)`), for the assigners, which
 * run on plain numbers after the predictions are read back.
 */

/**
 * CIoU of box `i` of `a` and box `j` of `b`, exactly as ultralytics `bbox_iou(..., CIoU=True)`
 * (eps = 1e-7 added to heights, union and the enclosing diagonal; Zheng et al., AAAI 2020):
 * CIoU = IoU − ρ²/c² − α·v, v = 4/π²·(atan(w_b/h_b) − atan(w_a/h_a))², α = v/(v − IoU + 1 + eps).
 */
export function ciou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, eps = 1e-7): number {
  const ax1 = a[4 * i] as number,
    ay1 = a[4 * i + 1] as number,
    ax2 = a[4 * i + 2] as number,
    ay2 = a[4 * i + 3] as number;
  const bx1 = b[4 * j] as number,
    by1 = b[4 * j + 1] as number,
    bx2 = b[4 * j + 2] as number,
    by2 = b[4 * j + 3] as number;
  const w1 = ax2 - ax1,
    h1 = ay2 - ay1 + eps;
  const w2 = bx2 - bx1,
    h2 = by2 - by1 + eps;
  const inter =
    Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0) *
    Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
  const union = w1 * h1 + w2 * h2 - inter + eps;
  const iou = inter / union;
  const cw = Math.max(ax2, bx2) - Math.min(ax1, bx1);
  const ch = Math.max(ay2, by2) - Math.min(ay1, by1);
  const c2 = cw * cw + ch * ch + eps;
  const rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4;
  const v = (4 / (Math.PI * Math.PI)) * (Math.atan(w2 / h2) - Math.atan(w1 / h1)) ** 2;
  const alpha = v / (v - iou + (1 + eps));
  return iou - (rho2 / c2 + v * alpha);
}

/**
 * IoU of box `i` of `a` and box `j` of `b` as mmdet `bbox_overlaps(mode="iou")`:
 * |A∩B| / max(|A| + |B| − |A∩B|, eps), eps = 1e-6.
 */
export function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, eps = 1e-6): number {
  const ax1 = a[4 * i] as number,
    ay1 = a[4 * i + 1] as number,
    ax2 = a[4 * i + 2] as number,
    ay2 = a[4 * i + 3] as number;
  const bx1 = b[4 * j] as number,
    by1 = b[4 * j + 1] as number,
    bx2 = b[4 * j + 2] as number,
    by2 = b[4 * j + 3] as number;
  const inter =
    Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0) *
    Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return inter / Math.max(union, eps);
}
