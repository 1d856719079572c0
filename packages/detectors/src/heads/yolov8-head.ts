import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
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
import { yolov8Dense, yolov8Loss, type Yolov8LossOptions } from "./yolov8-loss";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import type { HeadGraph } from "../export/module-graph";
import { dflDenseGraph } from "../export/dense-graph";

/** Options of {@link Yolov8Head}. */
export interface Yolov8HeadOptions {
  /** DFL bins per side (ultralytics `reg_max`, default 16). */
  regMax?: number;
  loss?: Yolov8LossOptions;
}

/**
 * YOLOv8 anchor-free decoupled head (ultralytics `Detect`), NHWC. Per level i with c_i channels:
 * box branch = Conv3×3(c2) → Conv3×3(c2) → 1×1 conv to 4·R logits, c2 = max(16, c_0/4, 4R);
 * cls branch = Conv3×3(c3) → Conv3×3(c3) → 1×1 conv to C logits, c3 = max(c_0, min(C, 100)).
 * Bias init as `Detect.bias_init`: box 1.0, cls log(5 / C / (640 / stride)²).
 * Children: `box.p3…`, `cls.p3…` (their outputs are the raw logits, tappable).
 */
export class Yolov8Head extends DetectionHead {
  readonly regMax: number;
  private readonly box: PerLevel;
  private readonly cls: PerLevel;
  private readonly lossOptions: Yolov8LossOptions;

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: Yolov8HeadOptions = {},
  ) {
    super();
    const R = (this.regMax = opts.regMax ?? 16);
    this.lossOptions = opts.loss ?? {};
    const c0 = levels[0]?.channels ?? 0;
    const c2 = Math.max(16, Math.trunc(c0 / 4), 4 * R);
    const c3 = Math.max(c0, Math.min(numClasses, 100));
    const branch = (cin: number, hidden: number, out: number, bias: number): Sequential =>
      new Sequential([
        new ConvBnAct(cin, hidden, rng, { kernel: 3 }),
        new ConvBnAct(hidden, hidden, rng, { kernel: 3 }),
        new Conv2d(hidden, out, rng, { kernel: 1, bias: true, biasInit: bias }),
      ]);
    const boxes = levels.map((l) => [l.name, branch(l.channels, c2, 4 * R, 1)] as [string, Sequential]);
    const clss = levels.map(
      (l) =>
        [l.name, branch(l.channels, c3, numClasses, Math.log(5 / numClasses / (640 / l.stride) ** 2))] as [
          string,
          Sequential,
        ],
    );
    boxes.forEach(
      ([, m], i) => (m.outputInfo = { channels: 4 * R, stride: (levels[i] as LevelInfo).stride }),
    );
    clss.forEach(
      ([, m], i) => (m.outputInfo = { channels: numClasses, stride: (levels[i] as LevelInfo).stride }),
    );
    this.box = this.child("box", new PerLevel(boxes));
    this.cls = this.child("cls", new PerLevel(clss));
  }

  /** Graph export: per-level branches `cls.pN`, `box.pN`; DFL decoding with `regMax` bins around cell centres. */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const cls = this.cls.exportGraph(xs, ctx);
    const box = this.box.exportGraph(xs, ctx);
    return {
      cls,
      box,
      boxMeaning: `DFL logits, 4 sides (l, t, r, b) × ${this.regMax} bins, side-major`,
      dense: dflDenseGraph(
        ctx.g,
        cls,
        box,
        this.levels.map((l) => l.stride),
        this.regMax,
        0.5,
      ),
      decode: { type: "dfl", bins: this.regMax, anchorOffset: 0.5, score: "sigmoid(cls)" },
    };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    return { cls: this.cls.call(xs), box: this.box.call(xs) };
  }

  /** {@link yolov8Loss} with this head's strides, classes, bins and gains. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return yolov8Loss(
      raw,
      targets,
      this.levels.map((l) => l.stride),
      this.numClasses,
      this.regMax,
      this.lossOptions,
    );
  }

  /** Boxes (xyxy input pixels) = DFL-decoded distances × stride around cell centres; scores = σ(logits). */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = yolov8Dense(
        raw,
        this.levels.map((l) => l.stride),
        this.regMax,
      );
      return {
        boxes: tf.mul(d.boxesGrid, d.stride) as tf.Tensor3D,
        scores: tf.sigmoid(d.cls) as tf.Tensor3D,
      };
    });
  }
}
