import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import { GroupNorm } from "../nn/group-norm";
import { PerLevel } from "../nn/per-level";
import { Sequential } from "../nn/sequential";
import { gflDense, gflLoss, type GflLossOptions } from "./gfl-loss";
import { DetectionHead, type DensePredictions, type DetectionLoss, type DetectionTargets, type HeadOutput } from "./types";

/** Options of {@link GflHead} (mmdet GFLHead defaults). */
export interface GflHeadOptions {
  /** Tower width (default 256). */
  featChannels?: number;
  /** Convs per tower (default 4). */
  stackedConvs?: number;
  /** Largest distance bin (mmdet `reg_max`, default 16 → 17 bins). */
  regMax?: number;
  /** GroupNorm groups (default 32). */
  groups?: number;
  loss?: GflLossOptions;
}

/** conv 3×3 (no bias, N(0, 0.01²)) → GroupNorm → ReLU: mmdet ConvModule with GN. */
class ConvGnRelu extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv: Conv2d;
  private readonly gn: GroupNorm;
  constructor(cin: number, cout: number, groups: number, rng: Rng) {
    super();
    this.conv = this.child("conv", new Conv2d(cin, cout, rng, { kernel: 3, init: "normal0.01" }));
    this.gn = this.child("gn", new GroupNorm(groups, cout));
  }
  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(this.gn.call(this.conv.call(x)));
  }
}

/** A learnable scalar multiplier (mmdet `Scale`, init 1). */
class Scale extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly scale = this.param(tf.scalar(1), "scale");
  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, this.scale);
  }
}

/** One level's view of the shared tower + output conv (+ scale): its output is that level's raw logits. */
class LevelView extends Module<tf.Tensor4D, tf.Tensor4D> {
  constructor(private readonly tower: Sequential, private readonly out: Conv2d, private readonly scale?: Scale) {
    super();
  }
  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = this.out.call(this.tower.call(x));
    return this.scale ? this.scale.call(y) : y;
  }
}

/**
 * GFL head (Li et al., NeurIPS 2020; mmdet `GFLHead`), NHWC: towers of `stackedConvs` conv-GN-ReLU
 * shared across levels, `cls_out` 3×3 conv to C class logits (bias −log 99, prior 0.01) and
 * `reg_out` 3×3 conv to 4·(R+1) distribution logits multiplied by a per-level learnable scale.
 * Children: `cls_tower`, `reg_tower`, `cls_out`, `reg_out`, `scale_p3…`, and per-level views
 * `cls.p3…`, `box.p3…` whose outputs are the raw logits (tappable).
 */
export class GflHead extends DetectionHead {
  readonly bins: number;
  private readonly cls: PerLevel;
  private readonly box: PerLevel;
  private readonly lossOptions: GflLossOptions;

  constructor(readonly levels: readonly LevelInfo[], readonly numClasses: number, rng: Rng, opts: GflHeadOptions = {}) {
    super();
    const feat = opts.featChannels ?? 256;
    const stacked = opts.stackedConvs ?? 4;
    const groups = opts.groups ?? 32;
    this.bins = (opts.regMax ?? 16) + 1;
    this.lossOptions = opts.loss ?? {};
    const cin = levels[0]?.channels ?? feat;
    if (levels.some((l) => l.channels !== cin)) throw new Error("GflHead: all levels must have the same channels (shared towers)");
    const tower = () => new Sequential(Array.from({ length: stacked }, (_, i) => new ConvGnRelu(i === 0 ? cin : feat, feat, groups, rng)));
    const clsTower = this.child("cls_tower", tower());
    const regTower = this.child("reg_tower", tower());
    const clsOut = this.child("cls_out", new Conv2d(feat, numClasses, rng, { kernel: 3, bias: true, init: "normal0.01", biasInit: -Math.log((1 - 0.01) / 0.01) }));
    const regOut = this.child("reg_out", new Conv2d(feat, 4 * this.bins, rng, { kernel: 3, bias: true, init: "normal0.01" }));
    const scales = levels.map((l) => this.child(`scale_${l.name}`, new Scale()));
    const clsViews = levels.map((l) => [l.name, new LevelView(clsTower, clsOut)] as [string, LevelView]);
    const boxViews = levels.map((l, i) => [l.name, new LevelView(regTower, regOut, scales[i])] as [string, LevelView]);
    clsViews.forEach(([, v], i) => (v.outputInfo = { channels: numClasses, stride: (levels[i] as LevelInfo).stride }));
    boxViews.forEach(([, v], i) => (v.outputInfo = { channels: 4 * this.bins, stride: (levels[i] as LevelInfo).stride }));
    this.cls = this.child("cls", new PerLevel(clsViews));
    this.box = this.child("box", new PerLevel(boxViews));
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    return { cls: this.cls.call(xs), box: this.box.call(xs) };
  }

  /** {@link gflLoss} with this head's strides, classes, bins and weights. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return gflLoss(raw, targets, this.levels.map((l) => l.stride), this.numClasses, this.bins, this.lossOptions);
  }

  /** Boxes = anchor centre ± integral distances × stride (xyxy input pixels); scores = σ(logits). */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = gflDense(raw, this.levels.map((l) => l.stride), this.bins);
      return { boxes: tf.mul(d.boxesGrid, d.stride) as tf.Tensor3D, scores: tf.sigmoid(d.cls) as tf.Tensor3D };
    });
  }
}
