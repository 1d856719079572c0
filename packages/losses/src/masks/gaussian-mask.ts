/**
 * Box-filling Gaussian foreground masks (TADF-style), as DeFeat's `get_gaussian_mask`
 * (ggjy/DeFeat.pytorch mmdet/models/dense_heads/anchor_head.py, `_calculate_gaussian`).
 */
import { defeatLevels } from "./level-assign";

/** Strides hard-coded by the reference (a prefix is used for fewer levels). */
export const DEFEAT_GAUSSIAN_STRIDES = [4, 8, 16, 32, 64] as const;

/**
 * Gaussian masks of one image, one row-major `[h·w]` Float64Array per level (`sizes[l] = [h,w]`,
 * `strides[l]`, default the reference's 4, 8, 16, 32, 64). Each `xyxy` box (input pixels) goes to
 * one level ({@link defeatLevel}); there `lx = trunc(x1/s)`, `rx = trunc(x2/s)` (ly, ry
 * likewise). If `lx = rx` or `ly = ry` the pixel `[ly, lx]` is 1; else cell (ly+y, lx+x) of
 * the box gets `exp(−½((x − cx)/cx)²)·exp(−½((y − cy)/cy)²)` for local x = 0…w′−1,
 * y = 0…h′−1, `w′ = rx − lx`, `cx = w′/2` (0 → 1), likewise y. Boxes combine by element-wise
 * max. Computed in float64 like the reference. Deliberate difference: cells outside the map are
 * clipped (the reference requires boxes inside the image and crashes otherwise).
 */
export function gaussianMasks(
  boxes: ArrayLike<number>,
  sizes: ReadonlyArray<readonly [number, number]>,
  strides: readonly number[] = DEFEAT_GAUSSIAN_STRIDES,
): Float64Array[] {
  const levels = defeatLevels(boxes, sizes.length);
  const masks = sizes.map(([h, w]) => new Float64Array(h * w));
  levels.forEach((l, i) => {
    const [h, w] = sizes[l]!;
    const s = strides[l]!;
    const m = masks[l]!;
    const lx = Math.trunc((boxes[4 * i] as number) / s);
    const ly = Math.trunc((boxes[4 * i + 1] as number) / s);
    const rx = Math.trunc((boxes[4 * i + 2] as number) / s);
    const ry = Math.trunc((boxes[4 * i + 3] as number) / s);
    if (lx === rx || ly === ry) {
      if (ly >= 0 && ly < h && lx >= 0 && lx < w) m[ly * w + lx] = 1;
      return;
    }
    const bw = rx - lx;
    const bh = ry - ly;
    const cx = bw / 2 || 1;
    const cy = bh / 2 || 1;
    for (let y = 0; y < bh; y++) {
      const gy = Math.exp(-0.5 * ((y - cy) / cy) ** 2);
      const yy = ly + y;
      if (yy < 0 || yy >= h) continue;
      for (let x = 0; x < bw; x++) {
        const xx = lx + x;
        if (xx < 0 || xx >= w) continue;
        const g = Math.exp(-0.5 * ((x - cx) / cx) ** 2) * gy;
        if (g > m[yy * w + xx]!) m[yy * w + xx] = g;
      }
    }
  });
  return masks;
}
