/**
 * FGFI anchor-IoU imitation masks (twangnh/Distilling-Object-Detectors
 * lib/model/rpn/anchor_target_layer.py, generate_anchors.py, bbox_transform.py).
 */

/** NumPy `round` (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * py-faster-rcnn `generate_anchors(base_size, ratios, scales)`: the A = |ratios|·|scales| base
 * anchors `xyxy` (flat `A*4`), ratio-major then scale. Widths `round(√(size/ratio))`, heights
 * `round(w·ratio)` (half to even, as NumPy), centred at `(base−1)/2`, then scaled.
 */
export function generateAnchors(
  baseSize = 16,
  ratios: readonly number[] = [0.5, 1, 2],
  scales: readonly number[] = [8, 16, 32],
): Float32Array {
  const out: number[] = [];
  const ctr = 0.5 * (baseSize - 1);
  const size = baseSize * baseSize;
  for (const r of ratios) {
    const ws = roundHalfEven(Math.sqrt(size / r));
    const hs = roundHalfEven(ws * r);
    for (const s of scales) {
      const w = ws * s;
      const h = hs * s;
      out.push(ctr - 0.5 * (w - 1), ctr - 0.5 * (h - 1), ctr + 0.5 * (w - 1), ctr + 0.5 * (h - 1));
    }
  }
  return Float32Array.from(out);
}

/**
 * Turns a zero-padded `[K, 5]` gt array (x1, y1, x2, y2, class per row, flat) into an `n*4`
 * box list: the first row whose five numbers sum to 0 ends the list (the reference's `break`).
 */
export function unpadGtRows(rows: ArrayLike<number>, width = 5): Float32Array {
  const out: number[] = [];
  for (let k = 0; k + width <= rows.length; k += width) {
    let sum = 0;
    for (let c = 0; c < width; c++) sum += rows[k + c] as number;
    if (sum === 0) break;
    out.push(rows[k] as number, rows[k + 1] as number, rows[k + 2] as number, rows[k + 3] as number);
  }
  return Float32Array.from(out);
}

/** py-faster-rcnn IoU with the "+1" convention; a 1×1 (zero-size) gt gives 0, as `bbox_overlaps_batch`. */
function iouPlusOne(a: ArrayLike<number>, ai: number, g: ArrayLike<number>, gi: number): number {
  const gw = (g[gi + 2] as number) - (g[gi] as number) + 1;
  const gh = (g[gi + 3] as number) - (g[gi + 1] as number) + 1;
  if (gw === 1 && gh === 1) return 0;
  const aw = (a[ai + 2] as number) - (a[ai] as number) + 1;
  const ah = (a[ai + 3] as number) - (a[ai + 1] as number) + 1;
  const iw =
    Math.min(a[ai + 2] as number, g[gi + 2] as number) - Math.max(a[ai] as number, g[gi] as number) + 1;
  const ih =
    Math.min(a[ai + 3] as number, g[gi + 3] as number) -
    Math.max(a[ai + 1] as number, g[gi + 1] as number) +
    1;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (aw * ah + gw * gh - inter);
}

/**
 * FGFI imitation mask of one image, row-major `[h·w]` of 0/1. Anchors: `baseAnchors` (flat
 * `A*4`) shifted by `(x·s, y·s, x·s, y·s)` for every cell, index `(y·w + x)·A + a` (all anchors,
 * no inside-image filter). For each gt box (`xyxy` input pixels, flat `n*4`):
 * `thr = psi · max_anchors IoU`; a cell is set if ANY of its anchors has IoU > thr (strict).
 * Union over gts. IoU uses the "+1" widths. A gt with max IoU 0 (e.g. off the map) sets nothing.
 */
export function fgfiMask(
  boxes: ArrayLike<number>,
  baseAnchors: ArrayLike<number>,
  h: number,
  w: number,
  stride: number,
  psi = 0.5,
): Float32Array {
  const A = Math.floor(baseAnchors.length / 4);
  const mask = new Float32Array(h * w);
  const anchors = new Float64Array(h * w * A * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let a = 0; a < A; a++) {
        const o = ((y * w + x) * A + a) * 4;
        anchors[o] = (baseAnchors[4 * a] as number) + x * stride;
        anchors[o + 1] = (baseAnchors[4 * a + 1] as number) + y * stride;
        anchors[o + 2] = (baseAnchors[4 * a + 2] as number) + x * stride;
        anchors[o + 3] = (baseAnchors[4 * a + 3] as number) + y * stride;
      }
    }
  }
  const ious = new Float64Array(h * w * A);
  for (let g = 0; g + 3 < boxes.length; g += 4) {
    let max = 0;
    for (let k = 0; k < ious.length; k++) {
      ious[k] = iouPlusOne(anchors, 4 * k, boxes, g);
      if (ious[k]! > max) max = ious[k]!;
    }
    const thr = psi * max;
    for (let c = 0; c < h * w; c++) {
      for (let a = 0; a < A; a++) {
        if (ious[c * A + a]! > thr) {
          mask[c] = 1;
          break;
        }
      }
    }
  }
  return mask;
}
