/** Anchor points of a dense head: one per feature-map cell, flattened level by level, row-major (y, then x). */
export interface AnchorPoints {
  /** `[A·2]` anchor centres (x, y) in input pixels. */
  points: Float32Array;
  /** `[A]` stride of each anchor's level. */
  strides: Float32Array;
  /** `[L]` number of anchors per level. */
  counts: number[];
}

/**
 * Anchor points of feature maps of sizes `shapes[i] = [h, w]` at `strides[i]`:
 * centre = ((x + offset)·s, (y + offset)·s). offset 0.5 is ultralytics `make_anchors` (cell centres);
 * offset 0 is mmdet's `AnchorGenerator` default (cell corners), used by GFL/ATSS.
 * The order matches reshaping an NHWC map `[N,h,w,C]` to `[N,h·w,C]` and concatenating levels.
 */
export function makeAnchorPoints(
  shapes: ReadonlyArray<readonly [number, number]>,
  strides: readonly number[],
  offset = 0.5,
): AnchorPoints {
  const counts = shapes.map(([h, w]) => h * w);
  const total = counts.reduce((a, b) => a + b, 0);
  const points = new Float32Array(total * 2);
  const str = new Float32Array(total);
  let k = 0;
  shapes.forEach(([h, w], l) => {
    const s = strides[l] as number;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        points[2 * k] = (x + offset) * s;
        points[2 * k + 1] = (y + offset) * s;
        str[k] = s;
        k++;
      }
    }
  });
  return { points, strides: str, counts };
}
