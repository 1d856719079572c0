/**
 * PyTorch `adaptive_avg_pool2d` for NHWC tensors (tfjs has no such op), used by ReviewKD's HCL.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Row-stochastic pooling matrix `[out, len]`: output j averages the input bin
 * `[floor(j·len/out), ceil((j+1)·len/out))` (PyTorch's rule; bins overlap when `len` is not a
 * multiple of `out`).
 */
export function adaptivePoolMatrix(len: number, out: number): Float32Array {
  const m = new Float32Array(out * len);
  for (let j = 0; j < out; j++) {
    const start = Math.floor((j * len) / out);
    const end = Math.ceil(((j + 1) * len) / out);
    for (let i = start; i < end; i++) m[j * len + i] = 1 / (end - start);
  }
  return m;
}

/**
 * Adaptive average pooling of NHWC `[N,H,W,C]` to `[N,oh,ow,C]` with PyTorch's bins, as two
 * matrix products (differentiable, any backend).
 */
export function adaptiveAvgPool2d(x: tf.Tensor4D, oh: number, ow: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const ph = tf.tensor2d(adaptivePoolMatrix(h, oh), [oh, h]);
    const pw = tf.tensor2d(adaptivePoolMatrix(w, ow), [ow, w]);
    // Pool H: [oh,H] · [H, N·W·C].
    const xh = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
    const yh = tf.reshape(tf.matMul(ph, xh), [oh, n, w, c]);
    // Pool W: [ow,W] · [W, oh·N·C].
    const xw = tf.reshape(tf.transpose(yh, [2, 0, 1, 3]), [w, oh * n * c]);
    const yw = tf.reshape(tf.matMul(pw, xw), [ow, oh, n, c]);
    return tf.transpose(yw, [2, 1, 0, 3]) as tf.Tensor4D;
  });
}
