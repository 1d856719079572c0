import * as tf from "@tensorflow/tfjs-core";
import { Module } from "@kdet/core";

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

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const g = tf.reshape(x, [n, h * w, this.groups, c / this.groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const xhat = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, this.eps))), [n, h, w, c]);
    return tf.add(tf.mul(xhat, this.gamma), this.beta);
  }
}
