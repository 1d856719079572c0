/**
 * FGD foreground/background masks (yzd-v/FGD mmdet/distillation/losses/fgd.py, `FeatureLoss.forward`).
 */

/** FGD masks of one image, row-major `[H·W]`. */
export interface FgdMasks {
  fg: Float32Array;
  bg: Float32Array;
}

/**
 * Area-scaled FGD masks of one image on an `H×W` map.
 *
 * Boxes are `xyxy` in input pixels (flat `n*4`), scaled by the image size `[imgH, imgW]`:
 * `x' = x·W/imgW`, `y' = y·H/imgH`; `wmin = floor(x1')`, `wmax = ceil(x2')`, `hmin = floor(y1')`,
 * `hmax = ceil(y2')`. Rows hmin…hmax and columns wmin…wmax (INCLUSIVE) take
 * `max(current, 1/((hmax+1−hmin)·(wmax+1−wmin)))`, so where boxes overlap the smaller box wins.
 * `bg = 1[fg = 0] / Σ 1[fg = 0]` (left all zero when the foreground covers the map).
 *
 * Reference quirk kept: a box reaching the right/bottom edge has `hmax = H` or `wmax = W`; the
 * fill is clipped to the map but the area still counts the missing row/column. Deliberate
 * difference: negative starts are clamped to 0 (Python would index from the end) and boxes
 * entirely off the map fill nothing.
 */
export function fgdMasks(
  boxes: ArrayLike<number>,
  h: number,
  w: number,
  imgSize: readonly [number, number],
): FgdMasks {
  const fg = new Float32Array(h * w);
  const [imgH, imgW] = imgSize;
  for (let j = 0; j + 3 < boxes.length; j += 4) {
    const wmin = Math.floor(((boxes[j] as number) / imgW) * w);
    const hmin = Math.floor(((boxes[j + 1] as number) / imgH) * h);
    const wmax = Math.ceil(((boxes[j + 2] as number) / imgW) * w);
    const hmax = Math.ceil(((boxes[j + 3] as number) / imgH) * h);
    const area = 1 / (hmax + 1 - hmin) / (wmax + 1 - wmin);
    if (!Number.isFinite(area) || area <= 0) continue;
    for (let y = Math.max(hmin, 0); y <= Math.min(hmax, h - 1); y++) {
      for (let x = Math.max(wmin, 0); x <= Math.min(wmax, w - 1); x++) {
        const k = y * w + x;
        if (area > fg[k]!) fg[k] = area;
      }
    }
  }
  const bg = new Float32Array(h * w);
  let count = 0;
  for (let k = 0; k < h * w; k++) if (fg[k]! <= 0) (bg[k] = 1), count++;
  if (count > 0) for (let k = 0; k < h * w; k++) bg[k]! /= count;
  return { fg, bg };
}
