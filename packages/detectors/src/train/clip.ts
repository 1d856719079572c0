import * as tf from "@tensorflow/tfjs-core";

/**
 * Clips gradients by their global L2 norm (PyTorch `clip_grad_norm_`): N = √(Σ‖g‖²), and when
 * N > maxNorm every gradient is scaled by maxNorm/(N + 1e-6). Takes ownership of `grads`: returns
 * them unchanged, or scaled copies (disposing the originals). Also returns N before clipping.
 */
export function clipGradNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  if (names.length === 0) return { grads, norm: 0 };
  const norm = tf.tidy(() =>
    Math.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)))).dataSync()[0] as number),
  );
  const coef = maxNorm / (norm + 1e-6);
  if (!(coef < 1)) return { grads, norm };
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) {
    out[n] = tf.mul(grads[n] as tf.Tensor, coef);
    (grads[n] as tf.Tensor).dispose();
  }
  return { grads: out, norm };
}
