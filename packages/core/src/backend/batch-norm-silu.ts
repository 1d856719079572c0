import { BN_SILU_BACKWARD, BN_SILU_FORWARD } from "@kdet/native";
import * as tf from "@tensorflow/tfjs-core";

/**
 * Training-mode batch normalization followed by SiLU, with a hand-written gradient (NHWC, batch
 * statistics over N, H, W; the YOLOv5/v8 `Conv` block after its conv):
 * `xc = x - mean`, `var = mean(xc²)`, `inv = 1/√(var + eps)`, `z = xc·(γ·inv) + β`,
 * `out = z·σ(z)`. Backward (Ioffe & Szegedy 2015, §3; SiLU′(z) = σ + out·(1 - σ)), with
 * `g = dout·SiLU′(z)`, `m = N·H·W`, `a = γ·inv`:
 * `dβ = Σg`, `S = Σ g·xc`, `dγ = S·inv`, `dx = a·g - a·dβ/m - xc·(a·inv²·S/m)`.
 * About 19 full-size passes instead of ~35 when tfjs differentiates the composed ops, and far
 * fewer kernel calls; the full-size ops are all XNNPACK ones on wasm (Add/Sub/Mul/Sigmoid, and the
 * channel sums via the kdet Sum/Mean kernels), so they use the wasm threads. The running
 * statistics are not tracked (batch stats only).
 * When @kdet/native's fused kernels are registered on the active backend (the oneDNN path), the
 * same formulas run there in 3 threaded passes forward and 2 backward, saving only x and the
 * per-channel mean and inv (`batchNormSiluNative`).
 */
export function batchNormSilu(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps = 1e-3,
): tf.Tensor4D {
  if (tf.getKernel(BN_SILU_FORWARD, tf.getBackend()) != null) return batchNormSiluNative(x, gamma, beta, eps);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const axes = [0, 1, 2];
    const mean = tf.mean(xi, axes);
    const xc = tf.sub(xi, mean);
    const inv = tf.rsqrt(tf.add(tf.mean(tf.mul(xc, xc), axes), eps));
    const a = tf.mul(g, inv);
    const z = tf.add(tf.mul(xc, a), b);
    const s = tf.sigmoid(z);
    const out = tf.mul(z, s);
    save([xc, inv, a, s, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sxc, sinv, sa, ss, sout] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const m = sxc.size / sxc.shape[3]!;
        const gz = tf.mul(dy as tf.Tensor, tf.add(ss, tf.mul(sout, tf.sub(1, ss))));
        const dBeta = tf.sum(gz, axes);
        const sGx = tf.sum(tf.mul(gz, sxc), axes);
        const dGamma = tf.mul(sGx, sinv);
        const c2 = tf.mul(sa, tf.div(dBeta, -m));
        const c3 = tf.mul(sa, tf.mul(tf.square(sinv), tf.div(sGx, -m)));
        const dx = tf.add(tf.add(tf.mul(gz, sa), tf.mul(sxc, c3)), c2);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}

/** `batchNormSilu` through the fused kernels `BN_SILU_FORWARD` / `BN_SILU_BACKWARD` of the active backend. */
export function batchNormSiluNative(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps = 1e-3,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const attrs = { eps } as unknown as tf.NamedAttrMap;
    const [out, mean, inv] = tf.engine().runKernel(BN_SILU_FORWARD, { x: xi, gamma: g, beta: b }, attrs) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    save([xi, g, b, mean, inv]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sg, sb, smean, sinv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const inputs = { dy: dy as tf.Tensor, x: sx, gamma: sg, beta: sb, mean: smean, inv: sinv };
        return tf.engine().runKernel(BN_SILU_BACKWARD, inputs) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
