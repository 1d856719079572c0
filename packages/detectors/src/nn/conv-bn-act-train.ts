import * as tf from "@tensorflow/tfjs-core";
import { actForward, actGrad, type BatchNorm, type FusedActivation } from "./batch-norm";
import { convFilterGrad, convInputGrad } from "./conv-backprop";
import type { Conv2d } from "./conv2d";

/**
 * conv (no bias) → training-mode BatchNorm → activation as ONE custom-gradient op, for memory:
 * tfjs keeps every intermediate tensor's gradient until the end of the backward pass, and saves the
 * inputs of every op; fused, a layer keeps only its input x, the filter and x̂ for the backward pass,
 * and frees its output gradient as soon as it is consumed. Forward (NHWC, HWIO):
 *   y = conv(x, W), x̂ = (y − μ_B)/√(σ²_B + eps) (biased σ²_B over N,H,W), z = γ·x̂ + β, out = act(z);
 * backward: g = d·act'(z), dβ = Σ g, dγ = Σ g·x̂, dy = γ/(M√(σ²_B+eps))·(M·g − dβ − x̂·dγ),
 * dx = conv_backprop_input(dy, W), dW = conv_backprop_filter(x, dy). Running statistics are
 * updated as PyTorch (see `BatchNorm.statsUpdater`).
 */
export function convBnActTrain(
  conv: Conv2d,
  bn: BatchNorm,
  act: FusedActivation,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const eps = bn.eps;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, w, gamma, beta] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const y = conv.convolve(xx, w);
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    bn.statsUpdater(y.size / bn.channels)(mean as tf.Tensor1D, variance as tf.Tensor1D);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(y, mean), invStd);
    save([xx, w, xhat, invStd, gamma, beta]);
    return {
      value: actForward(tf.add(tf.mul(xhat, gamma), beta), act) as tf.Tensor4D,
      gradFunc: (dOut: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sxhat, sinv, sgamma, sbeta] = saved as [
          tf.Tensor4D,
          tf.Tensor4D,
          tf.Tensor4D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
        ];
        const dx = tf.tidy(() => {
          const g = act === "none" ? dOut : actGrad(dOut, tf.add(tf.mul(sxhat, sgamma), sbeta), act);
          const m = g.size / (g.shape[3] as number);
          const dBeta = tf.sum(g, [0, 1, 2]);
          const dGamma = tf.sum(tf.mul(g, sxhat), [0, 1, 2]);
          const dy = tf.mul(
            tf.sub(tf.sub(tf.mul(g, m), dBeta), tf.mul(sxhat, dGamma)),
            tf.div(tf.mul(sgamma, sinv), m),
          ) as tf.Tensor4D;
          return [
            convInputGrad(dy, sw, sx.shape, conv.stride, conv.pad, conv.depthwise),
            convFilterGrad(sx, dy, sw.shape, conv.stride, conv.pad, conv.depthwise),
            dGamma,
            dBeta,
          ];
        });
        dOut.dispose(); // consumed: free it now instead of at the end of the backward pass
        return dx;
      },
    };
  });
  return f(x, conv.weight, bn.gamma, bn.beta) as tf.Tensor4D;
}
