import { nearestSource } from "@kdet/native";
import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, readFloat32, type KernelArgs } from "./kernel-io";

/**
 * Gradient of `resizeNearestNeighbor` (NHWC): the scatter-add `dx[n, src(i), src(j), c] += dy[n, i, j, c]`
 * with the forward kernel's source mapping (@kdet/native's `nearestSource`, as the tfjs cpu forward kernel
 * computes it). Replaces the tfjs-cpu 4.22 kernel, which indexes dy with the image's batch stride and is wrong
 * for batch > 1 (see README.md in this folder).
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
    nearestSource(i, h, oh, alignCorners, halfPixelCenters),
  );
  const cols = Int32Array.from({ length: ow }, (_, j) =>
    nearestSource(j, w, ow, alignCorners, halfPixelCenters),
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
