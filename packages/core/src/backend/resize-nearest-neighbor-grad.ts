import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, readFloat32, type KernelArgs } from "./kernel-io";

/**
 * Source index of output index `i` in a nearest-neighbour resize from `inSize` to `outSize`,
 * exactly as the tfjs cpu forward kernel `ResizeNearestNeighbor` computes it: scale
 * `(in - a) / (out - a)` with `a = 1` for `alignCorners` (and out > 1), source
 * `scale·(i + 0.5)` with half-pixel centers else `scale·i`, rounded (alignCorners) or floored,
 * clamped to [0, in - 1].
 */
export function nearestSourceIndex(
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
  return halfPixelCenters ? Math.max(0, idx) : idx;
}

/**
 * Gradient of `resizeNearestNeighbor` (NHWC): the scatter-add
 * `dx[n, src(i), src(j), c] += dy[n, i, j, c]` with the forward kernel's source mapping
 * (`nearestSourceIndex`). Replaces the tfjs-cpu 4.22 kernel, which indexes dy with the image's
 * batch stride and is wrong for batch > 1 (see README.md in this folder).
 */
export function resizeNearestNeighborGradValues(
  dy: Float32Array,
  imageShape: readonly number[],
  dyShape: readonly number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const [nb, h, w, c] = imageShape as [number, number, number, number];
  const [, oh, ow] = dyShape as [number, number, number];
  const rows = Int32Array.from({ length: oh }, (_, i) =>
    nearestSourceIndex(i, h, oh, alignCorners, halfPixelCenters),
  );
  const cols = Int32Array.from({ length: ow }, (_, j) =>
    nearestSourceIndex(j, w, ow, alignCorners, halfPixelCenters),
  );
  const dx = new Float32Array(nb * h * w * c);
  let src = 0;
  for (let n = 0; n < nb; n++) {
    for (let i = 0; i < oh; i++) {
      const rowBase = (n * h + rows[i]!) * w;
      for (let j = 0; j < ow; j++) {
        const dst = (rowBase + cols[j]!) * c;
        for (let k = 0; k < c; k++) dx[dst + k]! += dy[src++]!;
      }
    }
  }
  return dx;
}

/** Kernel function for `ResizeNearestNeighborGrad` (inputs images, dy; attrs alignCorners, halfPixelCenters). */
export function resizeNearestNeighborGradKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.ResizeNearestNeighborGrad;
  const a = attrsOf<tf.ResizeNearestNeighborGradAttrs>(args);
  const images = input(args, name, "images");
  const dy = input(args, name, "dy");
  const dx = resizeNearestNeighborGradValues(
    readFloat32(dy, args.backend),
    images.shape,
    dy.shape,
    a.alignCorners,
    a.halfPixelCenters ?? false,
  );
  return tf.tensor(dx, images.shape, "float32");
}
