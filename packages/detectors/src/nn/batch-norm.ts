import * as tf from "@tensorflow/tfjs-core";
import { Module, op } from "@kdet/core";

/** BatchNorm hyper-parameters (PyTorch names). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (ultralytics conv: 1e-3, torchvision: 1e-5). */
  eps?: number;
  /** Running-statistics momentum as in PyTorch: running = (1−m)·running + m·batch (ultralytics: 0.03). */
  momentum?: number;
}

/**
 * Training-mode batch norm over axes N,H,W of an NHWC tensor, with a hand-written gradient
 * (tfjs' FusedBatchNorm gradient tiles dy-sized tensors and does not propagate through the batch
 * statistics; this one is the closed form):
 *   x̂ = (x − μ_B)·(σ²_B + eps)^−½,  y = γ·x̂ + β,  σ²_B biased,
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·(σ²_B+eps)^−½ / M · (M·dy − dβ − x̂·dγ),  M = N·H·W.
 * `onStats(mean, biasedVar)` receives the batch statistics (inside the forward, without gradient).
 */
function bnTrain(onStats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void, eps: number) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    onStats(mean as tf.Tensor1D, variance as tf.Tensor1D);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(x, mean), invStd);
    save([xhat, invStd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [sxhat, sinv, sgamma] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const m = dy.size / (dy.shape[3] as number);
    const dBeta = tf.sum(dy, [0, 1, 2]);
    const dGamma = tf.sum(tf.mul(dy, sxhat), [0, 1, 2]);
    const k = tf.div(tf.mul(sgamma, sinv), m);
    const inner = tf.sub(tf.sub(tf.mul(dy, m), dBeta), tf.mul(sxhat, dGamma));
        return [tf.mul(inner, k), dGamma, dBeta];
      },
    };
  });
}

/**
 * 2-D batch normalisation of NHWC features with PyTorch semantics.
 * - training: normalise with the batch mean and the *biased* batch variance over N,H,W; update
 *   running_mean ← (1−m)·running_mean + m·μ_B and running_var ← (1−m)·running_var + m·σ²_B·M/(M−1)
 *   (unbiased, M = N·H·W), as `torch.nn.BatchNorm2d`;
 * - inference: y = γ·(x − running_mean)/√(running_var + eps) + β.
 * Parameters: `gamma` (weight), `beta` (bias) trainable; `running_mean`, `running_var` not trainable.
 */
export class BatchNorm extends Module<tf.Tensor4D, tf.Tensor4D> {
  /** Training mode (batch statistics + running update) or inference mode (running statistics). */
  training = true;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  eps: number;
  momentum: number;

  constructor(readonly channels: number, opts: BatchNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.gamma = this.param(tf.ones([channels]), "gamma");
    this.beta = this.param(tf.zeros([channels]), "beta");
    this.runningMean = this.param(tf.zeros([channels]), "running_mean", false);
    this.runningVar = this.param(tf.ones([channels]), "running_var", false);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.training) return batchNormInference(x, this.runningMean, this.runningVar, this.gamma, this.beta, this.eps);
    const m = this.momentum;
    const count = x.size / this.channels;
    const update = (mean: tf.Tensor1D, variance: tf.Tensor1D): void => {
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    };
    return bnTrain(update, this.eps)(x, this.gamma, this.beta) as tf.Tensor4D;
  }
}

/** Inference-mode batch norm: y = γ·(x − μ)/√(σ² + eps) + β, channels last. */
export const batchNormInference = op(
  "batchNormInference",
  (x: tf.Tensor4D, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor4D => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
  },
);
