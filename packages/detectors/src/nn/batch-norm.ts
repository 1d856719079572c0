import * as tf from "@tensorflow/tfjs-core";
import { Module, op } from "@kdet/core";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { bnAffine } from "../export/fold-batch-norm";
import { binary } from "../export/graph-ops";

/** BatchNorm hyper-parameters (PyTorch names). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (ultralytics conv: 1e-3, torchvision: 1e-5). */
  eps?: number;
  /** Running-statistics momentum as in PyTorch: running = (1−m)·running + m·batch (ultralytics: 0.03). */
  momentum?: number;
}

/** Activation applied after batch norm inside the fused training op. */
export type FusedActivation = "silu" | "relu" | "relu6" | "none";

/** act(z) for the fused ops. */
export function actForward(z: tf.Tensor, act: FusedActivation): tf.Tensor {
  if (act === "silu") return tf.mul(z, tf.sigmoid(z));
  if (act === "relu") return tf.relu(z);
  if (act === "relu6") return tf.relu6(z);
  return z;
}
/** dy·act'(z), the derivative recomputed from z in the backward pass of the fused ops. */
export function actGrad(dy: tf.Tensor, z: tf.Tensor, act: FusedActivation): tf.Tensor {
  if (act === "silu") {
    const s = tf.sigmoid(z);
    return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(z, tf.sub(1, s)))));
  }
  if (act === "relu") return tf.mul(dy, tf.step(z));
  if (act === "relu6") return tf.mul(dy, tf.mul(tf.step(z), tf.step(tf.sub(6, z))));
  return dy;
}

/**
 * Training-mode batch norm + activation over axes N,H,W of an NHWC tensor, with a hand-written
 * gradient that saves only x̂ (one activation-sized tensor; z and act'(z) are recomputed), about
 * half the memory of composing tfjs ops, and propagates through the batch statistics:
 *   x̂ = (x − μ_B)·(σ²_B + eps)^−½ (σ²_B biased),  z = γ·x̂ + β,  y = act(z),
 *   g = dy·act'(z),  dβ = Σ g,  dγ = Σ g·x̂,  dx = γ·(σ²_B+eps)^−½ / M · (M·g − dβ − x̂·dγ),  M = N·H·W.
 * `onStats(mean, biasedVar)` receives the batch statistics (inside the forward, without gradient).
 */
export function bnActTrain(
  onStats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
  eps: number,
  act: FusedActivation,
) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    onStats(mean as tf.Tensor1D, variance as tf.Tensor1D);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(x, mean), invStd);
    save([xhat, invStd, gamma, beta]);
    return {
      value: actForward(tf.add(tf.mul(xhat, gamma), beta), act),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, sinv, sgamma, sbeta] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const g = act === "none" ? dy : actGrad(dy, tf.add(tf.mul(sxhat, sgamma), sbeta), act);
        const m = g.size / (g.shape[3] as number);
        const dBeta = tf.sum(g, [0, 1, 2]);
        const dGamma = tf.sum(tf.mul(g, sxhat), [0, 1, 2]);
        const k = tf.div(tf.mul(sgamma, sinv), m);
        const inner = tf.sub(tf.sub(tf.mul(g, m), dBeta), tf.mul(sxhat, dGamma));
        const dx = tf.mul(inner, k);
        dy.dispose(); // consumed: free it now (tfjs keeps every gradient until the end of the backward pass)
        return [dx, dGamma, dBeta];
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

  constructor(
    readonly channels: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.gamma = this.param(tf.ones([channels]), "gamma");
    this.beta = this.param(tf.zeros([channels]), "beta");
    this.runningMean = this.param(tf.zeros([channels]), "running_mean", false);
    this.runningVar = this.param(tf.ones([channels]), "running_var", false);
  }

  /** Graph export (inference mode, running statistics): y = x·s + (β − μ·s), s = γ/√(σ² + eps). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const s = scopeOf(this);
    const { scale, shift } = bnAffine(this);
    const a = ctx.constOf(this, "scale", () => ({ data: Float32Array.from(scale), shape: [this.channels] }));
    const b = ctx.constOf(this, "shift", () => ({ data: Float32Array.from(shift), shape: [this.channels] }));
    return binary(ctx.g, s, "AddV2", binary(ctx.g, s, "Mul", x, a), b);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.training)
      return batchNormInference(x, this.runningMean, this.runningVar, this.gamma, this.beta, this.eps);
    return this.trainForward(x, "none");
  }

  /**
   * Training-mode normalisation fused with `act` (see {@link bnActTrain}), updating the running
   * statistics. Used by `ConvBnAct`; it bypasses `call`, so the BN module itself is not a tap point then.
   */
  trainForward(x: tf.Tensor4D, act: FusedActivation): tf.Tensor4D {
    return bnActTrain(this.statsUpdater(x.size / this.channels), this.eps, act)(
      x,
      this.gamma,
      this.beta,
    ) as tf.Tensor4D;
  }

  /**
   * The running-statistics update for a batch of `count` values per channel:
   * running_mean ← (1−m)·running_mean + m·μ_B, running_var ← (1−m)·running_var + m·σ²_B·count/(count−1).
   */
  statsUpdater(count: number): (mean: tf.Tensor1D, variance: tf.Tensor1D) => void {
    const m = this.momentum;
    return (mean, variance) => {
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    };
  }
}

/** Inference-mode batch norm: y = γ·(x − μ)/√(σ² + eps) + β, channels last. */
export const batchNormInference = op(
  "batchNormInference",
  (
    x: tf.Tensor4D,
    mean: tf.Tensor,
    variance: tf.Tensor,
    gamma: tf.Tensor,
    beta: tf.Tensor,
    eps: number,
  ): tf.Tensor4D => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
  },
);
