import * as tf from "@tensorflow/tfjs-core";
import { op } from "@kdet/core";

/**
 * Per-level NHWC maps `[N,h_i,w_i,A·C]` → `[N, Σ h_i·w_i·A, C]` (row-major within a level, then the
 * A anchor-major channel groups, levels in order). `channels` = C (default: the maps' channels, A = 1).
 */
export const flattenLevels = op("flattenLevels", (xs: tf.Tensor4D[], channels?: number): tf.Tensor3D => {
  const n = xs[0]?.shape[0] ?? 0;
  const c = channels ?? xs[0]?.shape[3] ?? 0;
  const flat = xs.map((x) => tf.reshape(x, [n, (x.shape[1] * x.shape[2] * x.shape[3]) / c, c]));
  return (flat.length === 1 ? flat[0] : tf.concat(flat, 1)) as tf.Tensor3D;
});

/** Spatial sizes `[h, w]` of per-level maps. */
export function levelShapes(xs: readonly tf.Tensor4D[]): Array<[number, number]> {
  return xs.map((x) => [x.shape[1], x.shape[2]]);
}
