import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import { PerLevel } from "../nn/per-level";
import {
  DetectionHead,
  type DensePredictions,
  type DetectionLoss,
  type DetectionTargets,
  type HeadOutput,
} from "./types";
import {
  YOLOV5_ANCHORS,
  yolov5DecodeConstants,
  yolov5Dense,
  yolov5Loss,
  type Yolov5LossOptions,
} from "./yolov5-loss";
import type { ExportContext } from "../export/export-context";
import type { GraphBuilder, Sym } from "../export/graph-def";
import type { HeadGraph } from "../export/module-graph";
import { flattenGraph, type DenseSyms } from "../export/dense-graph";
import { binary, concat, floats, split, unary } from "../export/graph-ops";

/** Options of {@link Yolov5Head}. */
export interface Yolov5HeadOptions {
  /** Anchors (w, h) in input pixels per level (default {@link YOLOV5_ANCHORS}). */
  anchors?: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  loss?: Yolov5LossOptions;
}

/**
 * YOLOv5 `Detect` head (ultralytics/yolov5 v7.0 `models/yolo.py`), NHWC: per level one 1×1 conv (with bias) from the
 * level's channels to A·(5 + C) outputs, A = 3 anchors, here written as three 1×1 convs over the same input (the
 * same function and parameter count, split by output): `box` → A·4 (t_x, t_y, t_w, t_h), `obj` → A objectness
 * logits (`HeadOutput.quality`), `cls` → A·C class logits, channels anchor-major. Decoding: centre =
 * (2σ(t_xy) − 0.5 + cell)·s, size = (2σ(t_wh))²·anchor, score = σ(obj)·σ(cls). Bias init as
 * `Detect._initialize_biases`: obj log(8 / (640/s)²), cls log(0.6 / (C − 0.99999)) (constants; ultralytics adds
 * them to PyTorch's small uniform init), box PyTorch's uniform init.
 * Children (`PerLevel`s with `p3…`, tappable raw maps): `box`, `obj`, `cls`.
 */
export class Yolov5Head extends DetectionHead {
  private readonly box: PerLevel;
  private readonly obj: PerLevel;
  private readonly cls: PerLevel;
  /** Anchors (w, h) in input pixels per level. */
  readonly anchors: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  private readonly lossOptions: Yolov5LossOptions;

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: Yolov5HeadOptions = {},
  ) {
    super();
    this.anchors = opts.anchors ?? YOLOV5_ANCHORS;
    if (this.anchors.length !== levels.length || this.anchors.some((a) => a.length !== this.A))
      throw new Error(
        `Yolov5Head: needs ${levels.length} levels of ${this.A} anchors each, got ${JSON.stringify(this.anchors)}`,
      );
    this.lossOptions = opts.loss ?? {};
    const A = this.A;
    const perLevel = (per: number, biasInit: (l: LevelInfo) => number | undefined): PerLevel =>
      new PerLevel(
        levels.map((l) => {
          const m = new Conv2d(l.channels, A * per, rng, { kernel: 1, bias: true, biasInit: biasInit(l) });
          m.outputInfo = { channels: A * per, stride: l.stride };
          return [l.name, m];
        }),
      );
    this.box = this.child(
      "box",
      perLevel(4, () => undefined),
    );
    this.obj = this.child(
      "obj",
      perLevel(1, (l) => Math.log(8 / (640 / l.stride) ** 2)),
    );
    this.cls = this.child(
      "cls",
      perLevel(numClasses, () => Math.log(0.6 / (numClasses - 0.99999))),
    );
  }

  private get A(): number {
    return this.anchors[0]?.length ?? 0;
  }

  override get anchorsPerLocation(): number {
    return this.A;
  }

  /** Graph export: the three convs per level, then the YOLOv5 decoding ({@link yolov5DenseGraph}). */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const cls = this.cls.exportGraph(xs, ctx);
    const box = this.box.exportGraph(xs, ctx);
    const quality = this.obj.exportGraph(xs, ctx);
    const strides = this.levels.map((l) => l.stride);
    return {
      cls,
      box,
      quality,
      boxMeaning:
        "(t_x, t_y, t_w, t_h) per anchor: centre (2σ(t_xy) − 0.5 + cell)·stride, size (2σ(t_wh))²·anchor",
      qualityMeaning: "objectness logits per anchor",
      dense: yolov5DenseGraph(ctx.g, cls, box, quality, strides, this.anchors, this.numClasses),
      decode: {
        type: "yolov5",
        anchors: this.anchors.map((l) => l.map(([w, h]) => [w, h] as [number, number])),
        score: "sigmoid(cls)*sigmoid(quality)",
      },
    };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    return { cls: this.cls.call(xs), box: this.box.call(xs), quality: this.obj.call(xs) };
  }

  /** {@link yolov5Loss} with this head's strides, anchors and classes. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return yolov5Loss(
      raw,
      targets,
      this.levels.map((l) => l.stride),
      this.anchors,
      this.numClasses,
      this.lossOptions,
    );
  }

  /** Boxes (xyxy input pixels) decoded by {@link yolov5Dense}; scores = σ(obj)·σ(cls) (YOLOv5 `non_max_suppression`). */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = yolov5Dense(
        raw,
        this.levels.map((l) => l.stride),
        this.anchors,
        this.numClasses,
      );
      return { boxes: d.boxes, scores: tf.mul(tf.sigmoid(d.cls), tf.sigmoid(d.obj)) as tf.Tensor3D };
    });
  }
}

/**
 * YOLOv5 decoding as graph ops, op for op as {@link yolov5Dense}: σ = Sigmoid(box), centre = σ_xy·2s + (cell − 0.5)·s,
 * half = σ_wh²·4·anchor·0.5, box = centre ∓ half (xyxy input pixels); score = σ(cls)·σ(obj).
 */
export function yolov5DenseGraph(
  g: GraphBuilder,
  cls: readonly Sym[],
  box: readonly Sym[],
  quality: readonly Sym[],
  strides: readonly number[],
  anchors: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  numClasses: number,
): DenseSyms {
  const c = yolov5DecodeConstants(
    cls.map((m) => [m.shape[1] as number, m.shape[2] as number] as const),
    strides,
    anchors,
  );
  const K = c.count;
  const sig = unary(g, "decode/t", "Sigmoid", flattenGraph(g, "decode/box", box, 4));
  const [sxy, swh] = split(g, "decode/t", sig, 2, -1) as [Sym, Sym];
  const xy = binary(
    g,
    "decode/xy",
    "AddV2",
    binary(g, "decode/xy", "Mul", sxy, floats(g, "decode/scale2", c.scale2, [K, 1])),
    floats(g, "decode/offset", c.offset, [K, 2]),
  );
  const half = binary(
    g,
    "decode/half",
    "Mul",
    binary(
      g,
      "decode/half",
      "Mul",
      unary(g, "decode/wh", "Square", swh),
      floats(g, "decode/wh4", c.wh4, [K, 2]),
    ),
    floats(g, "decode/one_half", [0.5], []),
  );
  const boxes = concat(
    g,
    "decode/xyxy",
    [binary(g, "decode/x1y1", "Sub", xy, half), binary(g, "decode/x2y2", "AddV2", xy, half)],
    -1,
  );
  const scores = binary(
    g,
    "decode/scores",
    "Mul",
    unary(g, "decode/cls", "Sigmoid", flattenGraph(g, "decode/cls", cls, numClasses)),
    unary(g, "decode/obj", "Sigmoid", flattenGraph(g, "decode/obj", quality, 1)),
  );
  return { boxes, scores };
}
