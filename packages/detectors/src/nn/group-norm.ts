import * as tf from "@tensorflow/tfjs-core";
import { Module } from "@kdet/core";
import { scopeOf, values, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary, floats, reduce, reshape, unary } from "../export/graph-ops";

/**
 * Group normalisation (Wu & He, ECCV 2018; PyTorch `nn.GroupNorm`) of NHWC features: channels are
 * split into `groups` contiguous groups; each (sample, group) is normalised with its mean and biased
 * variance over H, W and the group's channels, then y = γ·x̂ + β per channel. Same in training and
 * inference. Computed on `[N, H·W, G, C/G]` (rank 4, fast on wasm). Parameters: `gamma`, `beta`.
 */
export class GroupNorm extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    if (channels % groups !== 0)
      throw new Error(`GroupNorm: ${channels} channels are not divisible into ${groups} groups`);
    this.gamma = this.param(tf.ones([channels]), "gamma");
    this.beta = this.param(tf.zeros([channels]), "beta");
  }

  /**
   * Graph export, as `forward`: g = reshape(x, [N, H·W, G, C/G]), μ = mean(g) and σ² = mean((g − μ)²) over axes 1
   * and 3, x̂ = (g − μ)·rsqrt(σ² + eps) reshaped back, y = γ·x̂ + β.
   */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const { g } = ctx;
    const s = scopeOf(this);
    const [, h, w, c] = x.shape as [number, number, number, number];
    const grouped = reshape(g, s, x, [-1, h * w, this.groups, c / this.groups]);
    const mean = reduce(g, s, "Mean", grouped, [1, 3], true);
    const centred = binary(g, s, "Sub", grouped, mean);
    const variance = reduce(g, s, "Mean", unary(g, s, "Square", centred), [1, 3], true);
    const inv = unary(g, s, "Rsqrt", binary(g, s, "AddV2", variance, floats(g, `${s}/eps`, [this.eps], [])));
    const xhat = reshape(g, s, binary(g, s, "Mul", centred, inv), [-1, h, w, c]);
    const gamma = ctx.constOf(this, "gamma", () => ({ data: values(this.gamma), shape: [c] }));
    const beta = ctx.constOf(this, "beta", () => ({ data: values(this.beta), shape: [c] }));
    return binary(g, s, "AddV2", binary(g, s, "Mul", xhat, gamma), beta);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const g = tf.reshape(x, [n, h * w, this.groups, c / this.groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const xhat = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, this.eps))), [n, h, w, c]);
    return tf.add(tf.mul(xhat, this.gamma), this.beta);
  }
}
