/**
 * FGD global-context block (GcBlock), one per side (student / teacher), trainable.
 * Reference: yzd-v/FGD mmdet/distillation/losses/fgd.py (`conv_mask_*`, `channel_add_conv_*`,
 * `spatial_pool`); Cao et al., "GCNet" (2019).
 */
import * as tf from "@tensorflow/tfjs-core";
import { ConvAdapter, uniqueName } from "./conv-adapter";

/** Options of {@link GcBlock}. */
export interface GcBlockOptions {
  /** Channels C of the feature (the bottleneck has ⌊C/2⌋). */
  channels: number;
  /**
   * Pool the context with this (other block's) 1×1 C→1 conv instead of an own one: the block then
   * owns no context conv (not in `variables`, not disposed). FSD's reference pools both sides with
   * the teacher block's `conv_mask_t`.
   */
  sharedContext?: ConvAdapter;
  seed?: number;
  name?: string;
}

/**
 * `F' = F + W2·ReLU(LN(W1·ctx + b1)) + b2` with the context
 * `ctx = Σ_{h,w} softmax_{h,w}(convMask(F)) · F` (`[N,1,1,C]`), on NHWC `[N,H,W,C]`.
 * convMask: 1×1 C→1 (bias); W1: 1×1 C→C/2 (bias); LN: LayerNorm over the C/2 channels
 * (eps 1e-5, per-channel gamma/beta, PyTorch `LayerNorm([C/2,1,1])`); W2: 1×1 C/2→C (bias).
 * Init as the reference: convMask kaiming-normal fan-in (std √(2/C)), zero bias; W1 PyTorch
 * default; LN gamma 1 / beta 0; W2 zero (so F' = F at step 0).
 */
export class GcBlock {
  readonly convMask: ConvAdapter;
  /** false when the context conv is another block's (`sharedContext`). */
  readonly ownsContext: boolean;
  readonly add1: ConvAdapter;
  readonly lnGamma: tf.Variable<tf.Rank.R1>;
  readonly lnBeta: tf.Variable<tf.Rank.R1>;
  readonly add2: ConvAdapter;

  constructor(opts: GcBlockOptions) {
    const c = opts.channels;
    const half = Math.floor(c / 2);
    const seed = opts.seed ?? 0;
    const name = uniqueName(opts.name ?? "gc_block");
    this.ownsContext = opts.sharedContext === undefined;
    this.convMask =
      opts.sharedContext ??
      new ConvAdapter({
        inChannels: c,
        outChannels: 1,
        init: { std: Math.sqrt(2 / c) },
        seed,
        name: `${name}/conv_mask`,
      });
    this.add1 = new ConvAdapter({
      inChannels: c,
      outChannels: half,
      seed: seed + 2,
      name: `${name}/channel_add_0`,
    });
    this.lnGamma = tf.variable(tf.ones([half]), true, `${name}/ln_gamma`);
    this.lnBeta = tf.variable(tf.zeros([half]), true, `${name}/ln_beta`);
    this.add2 = new ConvAdapter({
      inChannels: half,
      outChannels: c,
      init: "zeros",
      name: `${name}/channel_add_3`,
    });
  }

  /** Trainable variables. */
  get variables(): tf.Variable[] {
    return [
      ...(this.ownsContext ? this.convMask.variables : []),
      ...this.add1.variables,
      this.lnGamma,
      this.lnBeta,
      ...this.add2.variables,
    ];
  }

  /** NHWC `[N,H,W,C]` → `[N,H,W,C]`. */
  apply(f: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w, c] = f.shape;
      const attn = tf.softmax(tf.reshape(this.convMask.apply(f), [n, 1, h * w]));
      const ctx = tf.reshape(tf.matMul(attn, tf.reshape(f, [n, h * w, c])), [n, 1, 1, c]) as tf.Tensor4D;
      const y = this.add1.apply(ctx);
      const { mean, variance } = tf.moments(y, 3, true);
      const ln = tf.add(
        tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-5))), this.lnGamma),
        this.lnBeta,
      );
      return tf.add(f, this.add2.apply(tf.relu(ln) as tf.Tensor4D));
    });
  }

  /**
   * Loads PyTorch weights by their sub-names: `conv_mask.{weight,bias}` (only when the block owns
   * its context conv),
   * `channel_add_conv.0.{weight,bias}` (OIHW), `channel_add_conv.1.{weight,bias}` (LayerNorm,
   * `[C/2,1,1]`), `channel_add_conv.3.{weight,bias}`.
   */
  loadTorch(w: Record<string, tf.Tensor>): void {
    const get = (k: string) => {
      const t = w[k];
      if (!t) throw new Error(`GcBlock.loadTorch: missing ${k}`);
      return t;
    };
    if (this.ownsContext) this.convMask.loadTorch(get("conv_mask.weight"), get("conv_mask.bias"));
    this.add1.loadTorch(get("channel_add_conv.0.weight"), get("channel_add_conv.0.bias"));
    tf.tidy(() => {
      this.lnGamma.assign(tf.reshape(get("channel_add_conv.1.weight"), [-1]) as tf.Tensor1D);
      this.lnBeta.assign(tf.reshape(get("channel_add_conv.1.bias"), [-1]) as tf.Tensor1D);
    });
    this.add2.loadTorch(get("channel_add_conv.3.weight"), get("channel_add_conv.3.bias"));
  }

  dispose(): void {
    if (this.ownsContext) this.convMask.dispose();
    this.add1.dispose();
    this.lnGamma.dispose();
    this.lnBeta.dispose();
    this.add2.dispose();
  }
}
