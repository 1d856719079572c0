/**
 * FPN level of a GT box, as DeFeat's `_map_roi_levels` (ggjy/DeFeat.pytorch
 * mmdet/models/dense_heads/anchor_head.py; the mmdet 1.x RoI-extractor rule with scale 56).
 */

/**
 * `floor(log2(sqrt((x2−x1+1)·(y2−y1+1))/56 + 1e-6))` clamped to `[0, numLevels−1]`, for one
 * `xyxy` box in input pixels. Deliberate difference: a degenerate box (negative area → NaN in
 * the reference) goes to level 0.
 */
export function defeatLevel(x1: number, y1: number, x2: number, y2: number, numLevels: number): number {
  const lvl = Math.floor(Math.log2(Math.sqrt((x2 - x1 + 1) * (y2 - y1 + 1)) / 56 + 1e-6));
  return Number.isNaN(lvl) ? 0 : Math.min(Math.max(lvl, 0), numLevels - 1);
}

/** {@link defeatLevel} of every box of a flat `n*4` xyxy list. */
export function defeatLevels(boxes: ArrayLike<number>, numLevels: number): Int32Array {
  const out = new Int32Array(Math.floor(boxes.length / 4));
  for (let i = 0; i < out.length; i++) {
    out[i] = defeatLevel(
      boxes[4 * i] as number,
      boxes[4 * i + 1] as number,
      boxes[4 * i + 2] as number,
      boxes[4 * i + 3] as number,
      numLevels,
    );
  }
  return out;
}
