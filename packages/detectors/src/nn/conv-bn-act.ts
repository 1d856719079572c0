import type * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { activate, type Activation } from "./activations";
import { BatchNorm, type BatchNormOptions } from "./batch-norm";
import { Conv2d } from "./conv2d";
import { convBnActTrain } from "./conv-bn-act-train";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { convWithBn } from "../export/fold-batch-norm";
import { activation } from "../export/graph-ops";

/** Options of {@link ConvBnAct}. */
export interface ConvBnActOptions {
  kernel?: number;
  stride?: number;
  padding?: number;
  depthwise?: boolean;
  act?: Activation;
  bn?: BatchNormOptions;
}

/** Ultralytics `Conv` defaults: BN eps 1e-3, momentum 0.03, SiLU. */
export const ULTRALYTICS_BN: BatchNormOptions = { eps: 1e-3, momentum: 0.03 };

/**
 * conv (no bias) → BatchNorm → activation, NHWC. The ultralytics `Conv` block (defaults:
 * BN eps 1e-3, momentum 0.03, SiLU) and, with `{act: "relu", bn: {eps: 1e-5, momentum: 0.1}}`,
 * torchvision's conv-bn-relu. Children: `conv`, `bn`. In training mode the three run as one fused op
 * ({@link convBnActTrain}), so `<path>.conv` and `<path>.bn` are tap points only in inference mode
 * (tap `<path>` itself instead).
 */
export class ConvBnAct extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
  readonly act: Activation;

  constructor(
    inChannels: number,
    readonly outChannels: number,
    rng: Rng,
    opts: ConvBnActOptions = {},
  ) {
    super();
    this.conv = this.child(
      "conv",
      new Conv2d(inChannels, outChannels, rng, {
        kernel: opts.kernel,
        stride: opts.stride,
        padding: opts.padding,
        depthwise: opts.depthwise,
      }),
    );
    this.bn = this.child("bn", new BatchNorm(outChannels, opts.bn ?? ULTRALYTICS_BN));
    this.act = opts.act ?? "silu";
  }

  /** Graph export: act(conv(x)) with the BatchNorm folded into the convolution. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return activation(ctx.g, scopeOf(this), convWithBn(this.conv, x, ctx, this.bn), this.act);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    // training: conv, BN and activation run as one memory-lean custom-gradient op
    if (this.bn.training) return convBnActTrain(this.conv, this.bn, this.act, x);
    return activate(this.bn.call(this.conv.call(x)), this.act);
  }
}
