import * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon";
import { type KernelCall, float32View } from "./wasm-heap";

/**
 * Source index of output index `i` in a nearest-neighbour resize from `inSize` to `outSize`, as the tfjs cpu
 * forward kernel `ResizeNearestNeighbor` computes it (@kdet/core's JS gradient kernel uses it too): scale
 * `(in − a) / (out − a)` with `a = 1` for `alignCorners` (and out > 1), source `scale·(i + 0.5)` with
 * half-pixel centers else `scale·i`, rounded (alignCorners) or floored, clamped to [0, in − 1].
 */
export function nearestSource(
  i: number,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): number {
  const a = alignCorners && outSize > 1 ? 1 : 0;
  const scale = (inSize - a) / (outSize - a);
  const frac = halfPixelCenters ? scale * (i + 0.5) : scale * i;
  const idx = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return Math.max(0, idx);
}

/**
 * Kernel functions (wasm backend): `ResizeNearestNeighborGrad` (NHWC float32; inputs images, dy) as the
 * addon's threaded gather over dx rows — the scatter-add `dx[n, src(i), src(j), c] += dy[n, i, j, c]` of
 * the kdet wasm kernel it replaces, same summation order. Empty when the addon predates `resizeNearestGrad`.
 */
export function nativeResizeKernels(
  addon: NativeAddon,
): Record<string, (call: KernelCall, builtin?: tf.KernelFunc) => tf.TensorInfo> {
  const grad = addon.resizeNearestGrad?.bind(addon);
  if (grad == null) return {};
  return {
    [tf.ResizeNearestNeighborGrad]: (call, builtin) => {
      const a = call.attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
      const images = call.inputs.images;
      const dy = call.inputs.dy;
      if (images == null || dy == null || dy.dtype !== "float32")
        return builtin!(call as never) as tf.TensorInfo;
      const [nb, h, w, c] = images.shape as [number, number, number, number];
      const [, oh, ow] = dy.shape as [number, number, number];
      const half = a.halfPixelCenters ?? false;
      const rows = Int32Array.from({ length: oh }, (_, i) => nearestSource(i, h, oh, a.alignCorners, half));
      const cols = Int32Array.from({ length: ow }, (_, j) => nearestSource(j, w, ow, a.alignCorners, half));
      const dx = call.backend.makeOutput([nb, h, w, c], "float32");
      grad(float32View(call.backend, dy), float32View(call.backend, dx), [nb, h, w, c, oh, ow], rows, cols);
      return dx;
    },
  };
}
