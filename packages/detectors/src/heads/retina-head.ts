import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import type { PerLevel } from "../nn/per-level";
import { anchorsPerLocation } from "./anchor-boxes";
import { deltaDecode } from "./delta-coder";
import type { PostprocessOptions } from "./postprocess";
import { retinaDense, retinaLoss, type RetinaLossOptions } from "./retina-loss";
import { headTower, LevelView, levelViews, priorBias } from "./tower";
import {
  DetectionHead,
  type DensePredictions,
  type DetectionLoss,
  type DetectionTargets,
  type HeadOutput,
} from "./types";
import { childOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import type { DecodeInfo } from "../export/export-meta";
import { sharedChain, type HeadGraph } from "../export/module-graph";
import { deltaDenseGraph } from "../export/dense-graph";

/** Options of {@link RetinaHead} (mmdet `RetinaHead` defaults). */
export interface RetinaHeadOptions {
  /** Tower width (default 256). */
  featChannels?: number;
  /** Convs per tower (default 4). */
  stackedConvs?: number;
  /** GroupNorm groups in the towers (mmdet `norm_cfg=dict(type="GN", num_groups)`; default none, as mmdet). */
  groups?: number;
  /** Anchors, assigner, coder and loss settings. */
  loss?: RetinaLossOptions;
}

/**
 * RetinaNet head (Lin et al., ICCV 2017; mmdet `RetinaHead`), NHWC, shared across levels:
 * `cls_tower` / `reg_tower` = `stackedConvs` × (conv 3×3 + bias → ReLU), weights N(0, 0.01²), no norm
 * (option `groups`: conv → GN → ReLU, as mmdet `norm_cfg`);
 * `cls_out` 3×3 → A·C logits (bias −log 99), `reg_out` 3×3 → A·4 deltas (mmdet `DeltaXYWHBBoxCoder`,
 * means 0, stds 1), A = 9 anchors per location (3 ratios × 3 octave scales), channels anchor-major.
 * Children: `cls_tower`, `reg_tower`, `cls_out`, `reg_out`, views `cls.p3…`, `box.p3…` (tappable raw maps).
 */
export class RetinaHead extends DetectionHead {
  private readonly A: number;
  private readonly cls: PerLevel;
  private readonly box: PerLevel;
  private readonly lossOptions: RetinaLossOptions;

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: RetinaHeadOptions = {},
  ) {
    super();
    const feat = opts.featChannels ?? 256;
    const stacked = opts.stackedConvs ?? 4;
    this.lossOptions = opts.loss ?? {};
    const A = (this.A = anchorsPerLocation(this.lossOptions.anchors));
    const cin = levels[0]?.channels ?? feat;
    if (levels.some((l) => l.channels !== cin))
      throw new Error("RetinaHead: all levels must have the same channels (shared towers)");
    const tower = opts.groups === undefined ? {} : { groups: opts.groups };
    const clsTower = this.child("cls_tower", headTower(cin, feat, stacked, rng, tower));
    const regTower = this.child("reg_tower", headTower(cin, feat, stacked, rng, tower));
    const clsOut = this.child(
      "cls_out",
      new Conv2d(feat, A * numClasses, rng, {
        kernel: 3,
        bias: true,
        init: "normal0.01",
        biasInit: priorBias(0.01),
      }),
    );
    const regOut = this.child(
      "reg_out",
      new Conv2d(feat, A * 4, rng, { kernel: 3, bias: true, init: "normal0.01" }),
    );
    this.cls = this.child(
      "cls",
      levelViews(levels, A * numClasses, () => new LevelView([clsTower, clsOut])),
    );
    this.box = this.child(
      "box",
      levelViews(levels, A * 4, () => new LevelView([regTower, regOut])),
    );
  }

  /** 9 (mmdet default): |ratios| × scales per octave. */
  override get anchorsPerLocation(): number {
    return this.A;
  }

  /** mmdet `retinanet_r50_fpn_1x_coco` `test_cfg`: NMS IoU 0.5. */
  override get postprocessDefaults(): PostprocessOptions {
    return { iouThreshold: 0.5 };
  }

  /**
   * Graph export: cls = cls_out(cls_tower(x)) (A·C, anchor-major), box = reg_out(reg_tower(x)) (A·4 deltas); delta
   * decoding against the mmdet anchors of the loss options (defaults as the eager decode).
   */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const cls = sharedChain(xs, [childOf(this, "cls_tower"), childOf(this, "cls_out")], ctx);
    const box = sharedChain(xs, [childOf(this, "reg_tower"), childOf(this, "reg_out")], ctx);
    const a = this.lossOptions.anchors ?? {};
    const c = this.lossOptions.coder ?? {};
    const decode: DecodeInfo = {
      type: "delta-xywh",
      anchorsPerLocation: this.A,
      anchors: {
        octaveBaseScale: a.octaveBaseScale ?? 4,
        scalesPerOctave: a.scalesPerOctave ?? 3,
        ratios: [...(a.ratios ?? [0.5, 1, 2])],
        centerOffset: a.centerOffset ?? 0,
      },
      means: [...(c.means ?? [0, 0, 0, 0])] as [number, number, number, number],
      stds: [...(c.stds ?? [1, 1, 1, 1])] as [number, number, number, number],
      whRatioClip: c.whRatioClip ?? 16 / 1000,
      score: "sigmoid(cls)",
    };
    const strides = this.levels.map((l) => l.stride);
    return {
      cls,
      box,
      boxMeaning: `deltas (dx, dy, dw, dh) of ${this.A} anchors per location, anchor-major`,
      dense: deltaDenseGraph(ctx.g, cls, box, strides, this.numClasses, a, c),
      decode,
    };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    return { cls: this.cls.call(xs), box: this.box.call(xs) };
  }

  /** {@link retinaLoss} with this head's strides, classes and settings. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return retinaLoss(
      raw,
      targets,
      this.levels.map((l) => l.stride),
      this.numClasses,
      this.lossOptions,
    );
  }

  /** Boxes = {@link deltaDecode}(anchors, deltas) (xyxy input pixels, unclipped); scores = σ(logits), per anchor. */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = retinaDense(
        raw,
        this.levels.map((l) => l.stride),
        this.numClasses,
        this.lossOptions.anchors,
      );
      const K = d.anchors.length / 4;
      return {
        boxes: deltaDecode(tf.tensor2d(d.anchors, [K, 4]), d.deltas, this.lossOptions.coder) as tf.Tensor3D,
        scores: tf.sigmoid(d.cls) as tf.Tensor3D,
      };
    });
  }
}
