import * as tf from "@tensorflow/tfjs-core";

/**
 * Nearest-neighbour ×2 upsampling of NHWC features (PyTorch `nn.Upsample(scale_factor=2, mode="nearest")`:
 * out[y, x] = in[⌊y/2⌋, ⌊x/2⌋]). Its gradient is ResizeNearestNeighborGrad, whose tfjs-cpu kernel is wrong
 * for batch > 1 unless `@kdet/core`'s cpu fix is registered (initBackend does it).
 */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.image.resizeNearestNeighbor(x, [(x.shape[1] as number) * 2, (x.shape[2] as number) * 2]);
}

/** Upsamples `x` (nearest) to the spatial size of `like` (used when sizes are not exact multiples). */
export function upsampleLike(x: tf.Tensor4D, like: tf.Tensor4D): tf.Tensor4D {
  const h = like.shape[1] as number;
  const w = like.shape[2] as number;
  return h === 2 * (x.shape[1] as number) && w === 2 * (x.shape[2] as number)
    ? upsample2x(x)
    : tf.image.resizeNearestNeighbor(x, [h, w]);
}
