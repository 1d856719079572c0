import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import type { PerLevel } from "../nn/per-level";
import { gflDense, gflLoss, type GflLossOptions } from "./gfl-loss";
import { headTower, LevelView, levelViews, priorBias, Scale } from "./tower";
import {
  DetectionHead,
  type DensePredictions,
  type DetectionLoss,
  type DetectionTargets,
  type HeadOutput,
} from "./types";
import { childOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { exportMap, sharedChain, type HeadGraph } from "../export/module-graph";
import { dflDenseGraph } from "../export/dense-graph";

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

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: GflHeadOptions = {},
  ) {
    super();
    const feat = opts.featChannels ?? 256;
    const stacked = opts.stackedConvs ?? 4;
    const groups = opts.groups ?? 32;
    this.bins = (opts.regMax ?? 16) + 1;
    this.lossOptions = opts.loss ?? {};
    const cin = levels[0]?.channels ?? feat;
    if (levels.some((l) => l.channels !== cin))
      throw new Error("GflHead: all levels must have the same channels (shared towers)");
    const clsTower = this.child("cls_tower", headTower(cin, feat, stacked, rng, { groups }));
    const regTower = this.child("reg_tower", headTower(cin, feat, stacked, rng, { groups }));
    const clsOut = this.child(
      "cls_out",
      new Conv2d(feat, numClasses, rng, {
        kernel: 3,
        bias: true,
        init: "normal0.01",
        biasInit: priorBias(0.01),
      }),
    );
    const regOut = this.child(
      "reg_out",
      new Conv2d(feat, 4 * this.bins, rng, { kernel: 3, bias: true, init: "normal0.01" }),
    );
    const scales = levels.map((l) => this.child(`scale_${l.name}`, new Scale()));
    this.cls = this.child(
      "cls",
      levelViews(levels, numClasses, () => new LevelView([clsTower, clsOut])),
    );
    this.box = this.child(
      "box",
      levelViews(levels, 4 * this.bins, (i) => new LevelView([regTower, regOut, scales[i] as Scale])),
    );
  }

  /**
   * Graph export: cls = cls_out(cls_tower(x)), box = scale_pN · reg_out(reg_tower(x)) (shared towers, weights stored
   * once); DFL decoding with `bins` bins around cell corners.
   */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const cls = sharedChain(xs, [childOf(this, "cls_tower"), childOf(this, "cls_out")], ctx);
    const reg = sharedChain(xs, [childOf(this, "reg_tower"), childOf(this, "reg_out")], ctx);
    const box = reg.map((y, i) => exportMap(childOf(this, `scale_${this.levels[i]?.name}`), y, ctx));
    return {
      cls,
      box,
      boxMeaning: `DFL logits, 4 sides (l, t, r, b) × ${this.bins} bins, side-major`,
      dense: dflDenseGraph(
        ctx.g,
        cls,
        box,
        this.levels.map((l) => l.stride),
        this.bins,
        0,
      ),
      decode: { type: "dfl", bins: this.bins, anchorOffset: 0, score: "sigmoid(cls)" },
    };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    return { cls: this.cls.call(xs), box: this.box.call(xs) };
  }

  /** {@link gflLoss} with this head's strides, classes, bins and weights. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return gflLoss(
      raw,
      targets,
      this.levels.map((l) => l.stride),
      this.numClasses,
      this.bins,
      this.lossOptions,
    );
  }

  /** Boxes = anchor centre ± integral distances × stride (xyxy input pixels); scores = σ(logits). */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = gflDense(
        raw,
        this.levels.map((l) => l.stride),
        this.bins,
      );
      return {
        boxes: tf.mul(d.boxesGrid, d.stride) as tf.Tensor3D,
        scores: tf.sigmoid(d.cls) as tf.Tensor3D,
      };
    });
  }
}
