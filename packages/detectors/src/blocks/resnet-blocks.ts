import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import type { BatchNormOptions } from "../nn/batch-norm";
import { ConvBnAct } from "../nn/conv-bn-act";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary, unary } from "../export/graph-ops";

/** torchvision BatchNorm2d defaults (eps 1e-5, momentum 0.1). */
export const TORCHVISION_BN: BatchNormOptions = { eps: 1e-5, momentum: 0.1 };

/** Options shared by the ResNet blocks. */
export interface ResBlockOptions {
  stride?: number;
  bn?: BatchNormOptions;
}

/** Output channels of a BasicBlock relative to `planes`. */
export const BASIC_EXPANSION = 1;
/** Output channels of a Bottleneck block relative to `planes`. */
export const BOTTLENECK_EXPANSION = 4;

function shortcut(
  inChannels: number,
  outChannels: number,
  stride: number,
  rng: Rng,
  bn: BatchNormOptions,
): ConvBnAct | undefined {
  return stride !== 1 || inChannels !== outChannels
    ? new ConvBnAct(inChannels, outChannels, rng, { kernel: 1, stride, act: "none", bn })
    : undefined;
}

/**
 * torchvision ResNet `BasicBlock` (He et al., CVPR 2016): out = relu(bn2(conv2(relu(bn1(conv1(x))))) + sc(x)),
 * both convs 3×3 (conv1 carries the stride), sc = 1×1 conv + BN when the shape changes. NHWC.
 * Children: `conv1`, `conv2`, optional `downsample`.
 */
export class BasicBlock extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv1: ConvBnAct;
  private readonly conv2: ConvBnAct;
  private readonly downsample: ConvBnAct | undefined;

  constructor(inChannels: number, planes: number, rng: Rng, opts: ResBlockOptions = {}) {
    super();
    const bn = opts.bn ?? TORCHVISION_BN;
    const stride = opts.stride ?? 1;
    this.conv1 = this.child(
      "conv1",
      new ConvBnAct(inChannels, planes, rng, { kernel: 3, stride, act: "relu", bn }),
    );
    this.conv2 = this.child("conv2", new ConvBnAct(planes, planes, rng, { kernel: 3, act: "none", bn }));
    const sc = shortcut(inChannels, planes, stride, rng, bn);
    this.downsample = sc && this.child("downsample", sc);
  }

  /** Graph export: relu(conv2(conv1(x)) + (downsample(x) or x)). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return residualReluGraph(this, [this.conv1, this.conv2], this.downsample, x, ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(
      tf.add<tf.Tensor4D>(this.conv2.call(this.conv1.call(x)), this.downsample ? this.downsample.call(x) : x),
    );
  }
}

/**
 * torchvision ResNet `Bottleneck` (v1.5: the stride sits on the 3×3 conv):
 * out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + sc(x)), conv1 1×1 to `planes`,
 * conv2 3×3, conv3 1×1 to 4·planes. NHWC. Children: `conv1`, `conv2`, `conv3`, optional `downsample`.
 */
export class ResBottleneck extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv1: ConvBnAct;
  private readonly conv2: ConvBnAct;
  private readonly conv3: ConvBnAct;
  private readonly downsample: ConvBnAct | undefined;

  constructor(inChannels: number, planes: number, rng: Rng, opts: ResBlockOptions = {}) {
    super();
    const bn = opts.bn ?? TORCHVISION_BN;
    const stride = opts.stride ?? 1;
    const out = planes * BOTTLENECK_EXPANSION;
    this.conv1 = this.child("conv1", new ConvBnAct(inChannels, planes, rng, { kernel: 1, act: "relu", bn }));
    this.conv2 = this.child(
      "conv2",
      new ConvBnAct(planes, planes, rng, { kernel: 3, stride, act: "relu", bn }),
    );
    this.conv3 = this.child("conv3", new ConvBnAct(planes, out, rng, { kernel: 1, act: "none", bn }));
    const sc = shortcut(inChannels, out, stride, rng, bn);
    this.downsample = sc && this.child("downsample", sc);
  }

  /** Graph export: relu(conv3(conv2(conv1(x))) + (downsample(x) or x)). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return residualReluGraph(this, [this.conv1, this.conv2, this.conv3], this.downsample, x, ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(
      tf.add<tf.Tensor4D>(
        this.conv3.call(this.conv2.call(this.conv1.call(x))),
        this.downsample ? this.downsample.call(x) : x,
      ),
    );
  }
}

/** Graph export of a ResNet block: relu(convs(x) + (downsample(x) or x)). */
function residualReluGraph(
  block: BasicBlock | ResBottleneck,
  convs: readonly ConvBnAct[],
  downsample: ConvBnAct | undefined,
  x: Sym,
  ctx: ExportContext,
): Sym {
  const s = scopeOf(block);
  const y = convs.reduce((h, c) => c.exportGraph(h, ctx), x);
  return unary(
    ctx.g,
    s,
    "Relu",
    binary(ctx.g, s, "AddV2", y, downsample ? downsample.exportGraph(x, ctx) : x),
  );
}
