import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import type { ConvPad } from "./conv-backprop";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { convWithBn } from "../export/fold-batch-norm";

/** Options of a 2-D convolution (PyTorch conventions: symmetric zero padding, default k//2). */
export interface Conv2dOptions {
  kernel?: number;
  stride?: number;
  /** Symmetric zero padding on each side (default ⌊kernel/2⌋, ultralytics `autopad`). */
  padding?: number;
  /** Depthwise: one filter per input channel (channel multiplier 1; requires out = in). */
  depthwise?: boolean;
  bias?: boolean;
  /** Initial bias value (default: PyTorch's uniform init). */
  biasInit?: number;
  /**
   * Weight init: `torch` (default, U(±1/√fan_in)), `xavier` (mmdet FPN: U(±√(6/(fan_in+fan_out))), bias 0)
   * or `normal0.01` (mmdet dense heads: N(0, 0.01²), bias 0 unless `biasInit`).
   */
  init?: "torch" | "xavier" | "normal0.01";
}

/**
 * A plain 2-D convolution on NHWC input, filter HWIO `[k,k,in,out]` (depthwise: `[k,k,in,1]`),
 * explicit symmetric padding so the sampling grid equals PyTorch's `nn.Conv2d` (TF "same" pads
 * stride-2 convs asymmetrically). Init as PyTorch: weight and bias ~ U(−1/√fan_in, 1/√fan_in).
 * Parameters: `weight`, optional `bias`.
 */
export class Conv2d extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly depthwise: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    rng: Rng,
    opts: Conv2dOptions = {},
  ) {
    super();
    this.kernel = opts.kernel ?? 1;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? Math.floor(this.kernel / 2);
    this.depthwise = opts.depthwise ?? false;
    if (this.depthwise && inChannels !== outChannels)
      throw new Error(`Conv2d: depthwise needs in = out channels, got ${inChannels} → ${outChannels}`);
    const k = this.kernel;
    const fanIn = k * k * (this.depthwise ? 1 : inChannels);
    const fanOut = k * k * (this.depthwise ? 1 : outChannels);
    const bound = 1 / Math.sqrt(fanIn);
    const shape = this.depthwise ? [k, k, inChannels, 1] : [k, k, inChannels, outChannels];
    const init = opts.init ?? "torch";
    const xb = Math.sqrt(6 / (fanIn + fanOut));
    this.weight = this.param(
      init === "torch"
        ? rng.uniformTensor(shape, -bound, bound)
        : init === "xavier"
          ? rng.uniformTensor(shape, -xb, xb)
          : rng.normalTensor(shape, 0, 0.01),
      "weight",
    );
    if (opts.bias) {
      const b =
        opts.biasInit !== undefined
          ? tf.fill([outChannels], opts.biasInit)
          : init === "torch"
            ? rng.uniformTensor([outChannels], -bound, bound)
            : tf.zeros([outChannels]);
      this.bias = this.param(b, "bias");
    }
  }

  /** The tfjs padding argument: "valid" or explicit symmetric pairs. */
  get pad(): ConvPad {
    const p = this.padding;
    return p === 0
      ? "valid"
      : [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ];
  }

  /** The convolution without bias, with an explicit filter (used by the fused training op). */
  convolve(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
    return this.depthwise
      ? tf.depthwiseConv2d(x, filter, this.stride, this.pad)
      : tf.conv2d(x, filter, this.stride, this.pad);
  }

  /** Graph export: the same convolution (+ bias) as TensorFlow ops, HWIO filter stored once. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return convWithBn(this, x, ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = this.convolve(x, this.weight as tf.Tensor4D);
    return this.bias ? tf.add(y, this.bias) : y;
  }
}
