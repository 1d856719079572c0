import type * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import type { Activation } from "../nn/activations";
import type { BatchNormOptions } from "../nn/batch-norm";
import { ConvBnAct } from "../nn/conv-bn-act";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";

/**
 * Depthwise-separable convolution (MobileNetV1, Howard et al. 2017): a k×k depthwise conv + BN + act
 * (carrying the stride), then a 1×1 pointwise conv + BN + act to `outChannels`. NHWC.
 * Children: `dw`, `pw`.
 */
export class DepthwiseSeparable extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly dw: ConvBnAct;
  private readonly pw: ConvBnAct;

  constructor(
    inChannels: number,
    outChannels: number,
    rng: Rng,
    opts: { kernel?: number; stride?: number; act?: Activation; bn?: BatchNormOptions } = {},
  ) {
    super();
    const act = opts.act ?? "relu";
    this.dw = this.child(
      "dw",
      new ConvBnAct(inChannels, inChannels, rng, {
        kernel: opts.kernel ?? 3,
        stride: opts.stride,
        depthwise: true,
        act,
        bn: opts.bn,
      }),
    );
    this.pw = this.child("pw", new ConvBnAct(inChannels, outChannels, rng, { kernel: 1, act, bn: opts.bn }));
  }

  /** Graph export: pw(dw(x)). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return this.pw.exportGraph(this.dw.exportGraph(x, ctx), ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.pw.call(this.dw.call(x));
  }
}
