import * as tf from "@tensorflow/tfjs-core";
import type { Module, Rng } from "@kdet/core";
import { yoloxConv } from "../blocks/yolox-blocks";
import { Conv2d } from "../nn/conv2d";
import { ConvBnAct } from "../nn/conv-bn-act";
import type { LevelInfo } from "../nn/feature-pyramid";
import { PerLevel } from "../nn/per-level";
import { Sequential } from "../nn/sequential";
import {
  DetectionHead,
  type DensePredictions,
  type DetectionLoss,
  type DetectionTargets,
  type HeadOutput,
} from "./types";
import { yoloxDense, yoloxLoss, type YoloxLossOptions } from "./yolox-loss";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import type { HeadGraph } from "../export/module-graph";
import { yoloxDenseGraph } from "../export/dense-graph";

/** Options of {@link YoloxHead}. */
export interface YoloxHeadOptions {
  /** Hidden channels of the decoupled branches (YOLOX: ⌊256·width⌋; default: the finest level's channels). */
  hidden?: number;
  /** Depthwise-separable 3×3 branch convs (YOLOX-nano). */
  depthwise?: boolean;
  /** Prior probability of the cls and obj bias init (YOLOX `initialize_biases(1e-2)`, default 0.01). */
  priorProb?: number;
  loss?: YoloxLossOptions;
}

type Level = Module<tf.Tensor4D, tf.Tensor4D>;

/**
 * YOLOX decoupled head (Ge et al. 2021, Fig. 2; Megvii YOLOX `YOLOXHead`), NHWC. Per level, h hidden channels:
 * stem 1×1 BaseConv → h; cls branch 2 × 3×3 conv → 1×1 conv to C class logits; reg branch 2 × 3×3 conv
 * → 1×1 conv to 4 box outputs [t_x, t_y, t_w, t_h] (decoded by {@link yoloxDense}: centre = (t_xy + cell)·s,
 * size = exp(t_wh)·s) and 1×1 conv to 1 objectness logit (in `HeadOutput.quality`). cls and obj biases
 * start at −log((1 − π)/π), π = `priorProb`; score = σ(obj)·σ(cls).
 * Children (each a `PerLevel` with `p3…`): `stem`, `cls_convs`, `reg_convs`, `cls`, `box`, `obj`; `cls.p3`,
 * `box.p3`, `obj.p3` output the raw per-level logits, `stem.p3` the h-channel level feature (mmdet's
 * PAFPN `out_convs`, where FSD distils) — all tappable.
 */
export class YoloxHead extends DetectionHead {
  private readonly stem: PerLevel;
  private readonly clsConvs: PerLevel;
  private readonly regConvs: PerLevel;
  private readonly cls: PerLevel;
  private readonly box: PerLevel;
  private readonly obj: PerLevel;
  private readonly lossOptions: YoloxLossOptions;

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: YoloxHeadOptions = {},
  ) {
    super();
    const h = opts.hidden ?? levels[0]?.channels ?? 0;
    const dw = opts.depthwise ?? false;
    const p = opts.priorProb ?? 0.01;
    const prior = -Math.log((1 - p) / p);
    this.lossOptions = opts.loss ?? {};
    const perLevel = (make: (l: LevelInfo) => Level, channels?: number): PerLevel =>
      new PerLevel(
        levels.map((l) => {
          const m = make(l);
          if (channels !== undefined) m.outputInfo = { channels, stride: l.stride };
          return [l.name, m] as [string, Level];
        }),
      );
    const branch = (): Sequential =>
      new Sequential([
        yoloxConv(h, h, rng, { kernel: 3, depthwise: dw }),
        yoloxConv(h, h, rng, { kernel: 3, depthwise: dw }),
      ]);
    this.stem = this.child(
      "stem",
      perLevel((l) => new ConvBnAct(l.channels, h, rng, { kernel: 1 }), h),
    );
    this.clsConvs = this.child("cls_convs", perLevel(branch));
    this.regConvs = this.child("reg_convs", perLevel(branch));
    this.cls = this.child(
      "cls",
      perLevel(() => new Conv2d(h, numClasses, rng, { kernel: 1, bias: true, biasInit: prior }), numClasses),
    );
    this.box = this.child(
      "box",
      perLevel(() => new Conv2d(h, 4, rng, { kernel: 1, bias: true }), 4),
    );
    this.obj = this.child(
      "obj",
      perLevel(() => new Conv2d(h, 1, rng, { kernel: 1, bias: true, biasInit: prior }), 1),
    );
  }

  /**
   * Graph export: s = stem(x); cls = cls(cls_convs(s)); reg = reg_convs(s); box = box(reg) (t_x, t_y, t_w, t_h);
   * quality = obj(reg); YOLOX decoding from cell corners.
   */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const s = this.stem.exportGraph(xs, ctx);
    const reg = this.regConvs.exportGraph(s, ctx);
    const cls = this.cls.exportGraph(this.clsConvs.exportGraph(s, ctx), ctx);
    const box = this.box.exportGraph(reg, ctx);
    const quality = this.obj.exportGraph(reg, ctx);
    return {
      cls,
      box,
      quality,
      boxMeaning: "(t_x, t_y, t_w, t_h): centre offset from the cell corner and log size, in strides",
      qualityMeaning: "objectness logits",
      dense: yoloxDenseGraph(
        ctx.g,
        cls,
        box,
        quality,
        this.levels.map((l) => l.stride),
      ),
      decode: { type: "yolox", anchorOffset: 0, score: "sigmoid(cls)*sigmoid(quality)" },
    };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    const s = this.stem.call(xs);
    const reg = this.regConvs.call(s);
    return {
      cls: this.cls.call(this.clsConvs.call(s)),
      box: this.box.call(reg),
      quality: this.obj.call(reg),
    };
  }

  /** {@link yoloxLoss} with this head's strides, classes and weights. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return yoloxLoss(
      raw,
      targets,
      this.levels.map((l) => l.stride),
      this.numClasses,
      this.lossOptions,
    );
  }

  /** Boxes (xyxy input pixels) decoded by {@link yoloxDense}; scores = σ(obj)·σ(cls) (YOLOX `postprocess`). */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = yoloxDense(
        raw,
        this.levels.map((l) => l.stride),
      );
      return { boxes: d.boxes, scores: tf.mul(tf.sigmoid(d.cls), tf.sigmoid(d.obj)) as tf.Tensor3D };
    });
  }
}
