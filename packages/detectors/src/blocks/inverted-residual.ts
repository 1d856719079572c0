import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import type { BatchNormOptions } from "../nn/batch-norm";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Sequential } from "../nn/sequential";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary } from "../export/graph-ops";

/**
 * MobileNetV2 inverted residual (Sandler et al., CVPR 2018; torchvision `InvertedResidual`):
 * 1×1 expand to in·t + BN + ReLU6 (skipped when t = 1), 3×3 depthwise (stride) + BN + ReLU6,
 * 1×1 linear projection + BN; residual add when stride 1 and in = out. NHWC. Child: `conv`.
 */
export class InvertedResidual extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv: Sequential;
  /** Whether the input is added to the projection (stride 1 and in = out channels). */
  readonly residual: boolean;

  constructor(
    inChannels: number,
    outChannels: number,
    rng: Rng,
    opts: { stride: number; expandRatio: number; bn?: BatchNormOptions },
  ) {
    super();
    const hidden = Math.round(inChannels * opts.expandRatio);
    const bn = opts.bn;
    const steps: Record<string, ConvBnAct> = {};
    if (opts.expandRatio !== 1)
      steps.expand = new ConvBnAct(inChannels, hidden, rng, { kernel: 1, act: "relu6", bn });
    steps.dw = new ConvBnAct(hidden, hidden, rng, {
      kernel: 3,
      stride: opts.stride,
      depthwise: true,
      act: "relu6",
      bn,
    });
    steps.project = new ConvBnAct(hidden, outChannels, rng, { kernel: 1, act: "none", bn });
    this.conv = this.child("conv", new Sequential(steps));
    this.residual = opts.stride === 1 && inChannels === outChannels;
  }

  /** Graph export: conv(x) (+ x when `residual`). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const y = this.conv.exportGraph(x, ctx);
    return this.residual ? binary(ctx.g, scopeOf(this), "AddV2", x, y) : y;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.residual ? tf.add(x, this.conv.call(x)) : this.conv.call(x);
  }
}
