/**
 * DANet's position and channel attention (Fu et al., "Dual Attention Network for Scene
 * Segmentation", CVPR 2019; junfu1115/DANet `PAM_Module`, `CAM_Module`) in NHWC, as used by the
 * `rdkd` fusion module. Each returns the attention output WITHOUT the residual (`γ·out`); the
 * caller adds it to the fused map.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ConvAdapter, uniqueName } from "../adapters/conv-adapter";

/**
 * Position attention: `B = conv_q(x)`, `C = conv_k(x)` (1×1, C→C/r), `D = conv_v(x)` (1×1, C→C),
 * `A = softmax_j(B_i · C_j)` over the H·W positions j, `out_i = Σ_j A_ij D_j`, returns `γ·out`
 * (`[N,H,W,C]`). γ is a trainable scalar initialised to `gammaInit` (DANet: 0, so the module
 * starts as the identity of the fused map). Cost O((H·W)²·C) per image.
 */
export class PositionAttention {
  readonly query: ConvAdapter;
  readonly key: ConvAdapter;
  readonly value: ConvAdapter;
  readonly gamma: tf.Variable<tf.Rank.R0>;

  constructor(
    channels: number,
    opts: { reduction?: number; gammaInit?: number; seed?: number; name: string },
  ) {
    const inner = Math.max(1, Math.floor(channels / (opts.reduction ?? 8)));
    const seed = opts.seed ?? 0;
    this.query = new ConvAdapter({
      inChannels: channels,
      outChannels: inner,
      seed,
      name: `${opts.name}/query`,
    });
    this.key = new ConvAdapter({
      inChannels: channels,
      outChannels: inner,
      seed: seed + 2,
      name: `${opts.name}/key`,
    });
    this.value = new ConvAdapter({
      inChannels: channels,
      outChannels: channels,
      seed: seed + 4,
      name: `${opts.name}/value`,
    });
    this.gamma = tf.variable(tf.scalar(opts.gammaInit ?? 0), true, uniqueName(`${opts.name}/gamma`));
  }

  /** Trainable variables: query, key, value convs and γ. */
  get variables(): tf.Variable[] {
    return [...this.query.variables, ...this.key.variables, ...this.value.variables, this.gamma];
  }

  /** `γ · out` for NHWC `x` `[N,H,W,C]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape;
      const q = tf.reshape(this.query.apply(x), [n, h * w, -1]);
      const k = tf.reshape(this.key.apply(x), [n, h * w, -1]);
      const v = tf.reshape(this.value.apply(x), [n, h * w, c]);
      const att = tf.softmax(tf.matMul(q, k, false, true)); // [N, HW_i, HW_j], softmax over j
      return tf.mul(tf.reshape(tf.matMul(att, v), [n, h, w, c]), this.gamma);
    });
  }

  dispose(): void {
    this.query.dispose();
    this.key.dispose();
    this.value.dispose();
    this.gamma.dispose();
  }
}

/**
 * Channel attention: with `X` `[N, H·W, C]`, `E = XᵀX` `[N,C,C]`,
 * `A = softmax_{c'}(max_{c'} E − E)` (DANet's form; equal to `softmax(−E)`, computed as such),
 * `out = X·Aᵀ` (`out_{i,c} = Σ_{c'} A_{c,c'} X_{i,c'}`), returns `γ·out`, γ trainable (init
 * `gammaInit`, DANet 0). No other parameters.
 */
export class ChannelAttention {
  readonly gamma: tf.Variable<tf.Rank.R0>;

  constructor(opts: { gammaInit?: number; name: string }) {
    this.gamma = tf.variable(tf.scalar(opts.gammaInit ?? 0), true, uniqueName(`${opts.name}/gamma`));
  }

  get variables(): tf.Variable[] {
    return [this.gamma];
  }

  /** `γ · out` for NHWC `x` `[N,H,W,C]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape;
      const xf = tf.reshape(x, [n, h * w, c]);
      const att = tf.softmax(tf.neg(tf.matMul(xf, xf, true, false))); // [N, C, C']
      return tf.mul(tf.reshape(tf.matMul(xf, att, false, true), [n, h, w, c]), this.gamma);
    });
  }

  dispose(): void {
    this.gamma.dispose();
  }
}
