/**
 * DeFeat GT masks per pyramid level (ggjy/DeFeat.pytorch mmdet/models/dense_heads/anchor_head.py,
 * `get_gt_mask`).
 */
import { defeatLevels } from "./level-assign";

/**
 * Binary GT masks of one image, one row-major `[h·w]` mask per level (`sizes[l] = [h, w]`,
 * `strides[l]` in input pixels). Each `xyxy` box (input pixels, flat `n*4`) goes to ONE level
 * ({@link defeatLevel}); there `lx = max(trunc(x1/s), 0)`, `rx = min(trunc(x2/s), w)` (ly, ry
 * likewise); if `lx = rx` or `ly = ry` only the pixel `[ly, lx]` is set, else rows ly…ry−1 and
 * columns lx…rx−1 (EXCLUSIVE end). The mask is the union over boxes.
 * Deliberate difference: boxes whose end truncates below 0 or whose single pixel falls outside
 * the map are skipped (the reference wraps negative slices or raises an index error).
 */
export function defeatGtMasks(
  boxes: ArrayLike<number>,
  sizes: ReadonlyArray<readonly [number, number]>,
  strides: readonly number[],
): Float32Array[] {
  const levels = defeatLevels(boxes, sizes.length);
  const masks = sizes.map(([h, w]) => new Float32Array(h * w));
  levels.forEach((l, i) => {
    const [h, w] = sizes[l]!;
    const s = strides[l]!;
    const m = masks[l]!;
    const lx = Math.max(Math.trunc((boxes[4 * i] as number) / s), 0);
    const ly = Math.max(Math.trunc((boxes[4 * i + 1] as number) / s), 0);
    const rx = Math.min(Math.trunc((boxes[4 * i + 2] as number) / s), w);
    const ry = Math.min(Math.trunc((boxes[4 * i + 3] as number) / s), h);
    if (rx < 0 || ry < 0) return;
    if (lx === rx || ly === ry) {
      if (ly < h && lx < w) m[ly * w + lx] = 1;
      return;
    }
    for (let y = ly; y < ry; y++) for (let x = lx; x < rx; x++) m[y * w + x] = 1;
  });
  return masks;
}
