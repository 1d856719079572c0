import * as tf from "@tensorflow/tfjs-core";

/**
 * A zero-extended spatial window of an NHWC tensor:
 * `r[n, i, j, c] = x[n, i + rowStart, j + colStart, c]` for `i < rows`, `j < cols`, and 0 where the
 * source index falls outside `x`. Built from one 4D `slice` and one 4D `pad` (both fast on wasm),
 * so any mix of cropping and zero padding on either side is exact. Returns `x` itself when the
 * window is the whole tensor. Call inside `tf.tidy`.
 */
export function window2d(
  x: tf.Tensor4D,
  rowStart: number,
  rows: number,
  colStart: number,
  cols: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const r0 = Math.max(0, rowStart);
  const r1 = Math.min(h, rowStart + rows);
  const c0 = Math.max(0, colStart);
  const c1 = Math.min(w, colStart + cols);
  if (r1 <= r0 || c1 <= c0) return tf.zeros([n, rows, cols, c]);
  const cropped =
    r0 === 0 && c0 === 0 && r1 === h && c1 === w ? x : tf.slice(x, [0, r0, c0, 0], [n, r1 - r0, c1 - c0, c]);
  const padTop = r0 - rowStart;
  const padBottom = rowStart + rows - r1;
  const padLeft = c0 - colStart;
  const padRight = colStart + cols - c1;
  if (padTop === 0 && padBottom === 0 && padLeft === 0 && padRight === 0) return cropped;
  return tf.pad(cropped, [
    [0, 0],
    [padTop, padBottom],
    [padLeft, padRight],
    [0, 0],
  ]);
}

/** Explicit NHWC padding `[[0,0],[top,bottom],[left,right],[0,0]]` as tf conv ops accept it. */
export type ExplicitPads = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The same window as `window2d`, split into a crop (a 4D `slice`, skipped when not needed) and the
 * zero padding that remains, returned as explicit conv padding: a conv reading the window can pad
 * inside XNNPACK instead of materializing a padded copy. Call inside `tf.tidy`.
 */
export function windowForConv(
  x: tf.Tensor4D,
  rowStart: number,
  rows: number,
  colStart: number,
  cols: number,
): { x: tf.Tensor4D; pad: ExplicitPads } {
  const [n, h, w, c] = x.shape;
  const r0 = Math.max(0, rowStart);
  const r1 = Math.min(h, rowStart + rows);
  const c0 = Math.max(0, colStart);
  const c1 = Math.min(w, colStart + cols);
  if (r1 <= r0 || c1 <= c0)
    return {
      x: tf.zeros([n, rows, cols, c]),
      pad: [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    };
  const cropped =
    r0 === 0 && c0 === 0 && r1 === h && c1 === w ? x : tf.slice(x, [0, r0, c0, 0], [n, r1 - r0, c1 - c0, c]);
  return {
    x: cropped,
    pad: [
      [0, 0],
      [r0 - rowStart, rowStart + rows - r1],
      [c0 - colStart, colStart + cols - c1],
      [0, 0],
    ],
  };
}
