/**
 * IoU of a detection box D = [dx, dy, dw, dh] and a ground-truth box G = [gx, gy, gw, gh] exactly as
 * pycocotools' `bbIou` (maskApi.c) computes it, operation by operation:
 * iw = min(dx + dw, gx + gw) - max(dx, gx) (0 if <= 0), likewise ih; inter = iw * ih;
 * union = da for a crowd gt, else (da + ga) - inter; IoU = inter / union.
 * For a crowd gt the union is the detection's own area, so a detection inside a crowd region has IoU 1.
 */
export function cocoIou(
  dx: number,
  dy: number,
  dw: number,
  dh: number,
  gx: number,
  gy: number,
  gw: number,
  gh: number,
  crowd: boolean,
): number {
  const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (iw <= 0) return 0;
  const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const da = dw * dh;
  return inter / (crowd ? da : da + gw * gh - inter);
}

/** Options of the PASCAL VOC overlap. */
export interface VocIouOptions {
  /** The +1 pixel convention (widths are x2 - x1 + 1). Default true (VOC devkit, Detectron). */
  plus1?: boolean;
}

/**
 * PASCAL VOC IoU of two [x1, y1, x2, y2] boxes as Detectron's voc_eval computes it:
 * iw = max(min(x2) - max(x1) + 1, 0), ih likewise, inter = iw * ih,
 * union = (dw + 1)(dh + 1) + (gw + 1)(gh + 1) - inter with w = x2 - x1. Without plus1 the "+ 1"s are dropped
 * (0/0 gives NaN, as numpy does).
 */
export function vocIou(d: ArrayLike<number>, g: ArrayLike<number>, plus1 = true): number {
  const one = plus1 ? 1 : 0;
  const iw = Math.max(Math.min(g[2]!, d[2]!) - Math.max(g[0]!, d[0]!) + one, 0);
  const ih = Math.max(Math.min(g[3]!, d[3]!) - Math.max(g[1]!, d[1]!) + one, 0);
  const inter = iw * ih;
  const uni =
    (d[2]! - d[0]! + one) * (d[3]! - d[1]! + one) + (g[2]! - g[0]! + one) * (g[3]! - g[1]! + one) - inter;
  return inter / uni;
}
