import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import type { PerLevel } from "../nn/per-level";
import { type AnchorBoxOptions, anchorsPerLocation, makeAnchorBoxes } from "./anchor-boxes";
import { BBoxHead } from "./bbox-head";
import { deltaDecode } from "./delta-coder";
import { flattenLevels, levelShapes } from "./flatten";
import type { PostprocessOptions } from "./postprocess";
import { RCNN_CODER, RCNN_SAMPLER, rcnnLoss, rcnnTargets } from "./rcnn-loss";
import { headOnRois, type RoiPoolOptions } from "./roi-pool";
import { dataRng } from "./roi-sampler";
import { type ProposalOptions, type Proposals, rpnProposals } from "./rpn-proposals";
import { rpnLoss } from "./rpn-loss";
import { HeadConv, LevelView, levelViews } from "./tower";
import { childOf, type ExportContext, values } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { reshape } from "../export/graph-ops";
import { type HeadGraph, sharedChain } from "../export/module-graph";
import {
  linearGraph,
  proposalsGraph,
  rcnnDenseGraph,
  roiAlignGraph,
  transposeGraph,
} from "../export/two-stage-graph";
import type { Linear } from "../nn/linear";
import {
  type DensePredictions,
  DetectionHead,
  type DetectionLoss,
  type DetectionTargets,
  type HeadOutput,
} from "./types";

/** RPN anchors of `faster-rcnn_r50_fpn` (mmdet `AnchorGenerator(scales=[8], ratios=[0.5, 1, 2])`): side 8·stride at ratio 1. */
export const RPN_ANCHORS: AnchorBoxOptions = {
  octaveBaseScale: 8,
  scalesPerOctave: 1,
  ratios: [0.5, 1, 2],
  centerOffset: 0,
};

/** Options of {@link FasterRcnnHead} (defaults: mmdet `faster-rcnn_r50_fpn_1x_coco`). */
export interface FasterRcnnHeadOptions {
  /** RPN conv width (default 256). */
  featChannels?: number;
  /** Width of the two shared fcs (default 1024). */
  fcChannels?: number;
  /** Proposals during training (mmdet `rpn_proposal`: 2000 per level before NMS, 1000 after). */
  trainProposals?: ProposalOptions;
  /** Proposals at inference (mmdet `test_cfg.rpn`: 1000 / 1000). */
  testProposals?: ProposalOptions;
  /** RoI pooling (7×7, adaptive sampling, finest scale 56). */
  roiPool?: RoiPoolOptions;
  /** RoIs sampled per training image for the box head (mmdet `train_cfg.rcnn.sampler.num`, default 512). */
  rcnnSamples?: number;
  /** Seed mixed into the data-drawn sampling RNGs (default 0). */
  samplerSeed?: number;
}

/**
 * Faster R-CNN head with FPN (Ren et al., NeurIPS 2015; Lin et al., CVPR 2017; mmdet `RPNHead` +
 * `StandardRoIHead` + `Shared2FCBBoxHead`), NHWC, boxes xyxy input pixels.
 * - RPN over every level (P2–P6): `rpn_conv` 3×3 + ReLU (shared), `rpn_cls` 1×1 → A objectness logits,
 *   `rpn_reg` 1×1 → 4·A deltas (stds 1), A = 3 anchors per location ({@link RPN_ANCHORS}), weights N(0, 0.01²).
 * - Proposals ({@link rpnProposals}), RoIs pooled from the levels of stride ≤ 32 (P2–P5, {@link headOnRois}), the
 *   2-fc {@link BBoxHead} → C+1 softmax logits and class-specific deltas ({@link RCNN_CODER}).
 * `forward` runs the RPN only and returns its maps (`cls` `[N,h,w,A]`, `box` `[N,h,w,4A]`) with the pyramid in
 * `features`; `loss` samples RoIs from training proposals, `decode` pools test proposals. The RoI stage reads
 * synced values (proposals are constants, as mmdet's, whose RoIAlign has no box gradient).
 * Children: `rpn_conv`, `rpn_cls`, `rpn_reg`, `roi` ({@link BBoxHead}); views `rpn.p2…` (conv output),
 * `cls.p2…`, `box.p2…` (tappable RPN maps).
 */
export class FasterRcnnHead extends DetectionHead {
  private readonly A: number;
  private readonly rpn: PerLevel;
  private readonly cls: PerLevel;
  private readonly box: PerLevel;
  private readonly roi: BBoxHead;
  private readonly opts: Required<Omit<FasterRcnnHeadOptions, "roiPool">> & { roiPool: RoiPoolOptions };
  /** Number of pyramid levels RoIs are pooled from (strides ≤ 32, mmdet `featmap_strides=[4, 8, 16, 32]`). */
  private readonly pooledLevels: number;

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: FasterRcnnHeadOptions = {},
  ) {
    super();
    this.opts = {
      featChannels: opts.featChannels ?? 256,
      fcChannels: opts.fcChannels ?? 1024,
      trainProposals: opts.trainProposals ?? { preNms: 2000, postNms: 1000, iouThreshold: 0.7 },
      testProposals: opts.testProposals ?? { preNms: 1000, postNms: 1000, iouThreshold: 0.7 },
      roiPool: opts.roiPool ?? {},
      samplerSeed: opts.samplerSeed ?? 0,
      rcnnSamples: opts.rcnnSamples ?? RCNN_SAMPLER.num,
    };
    const feat = this.opts.featChannels;
    const A = (this.A = anchorsPerLocation(RPN_ANCHORS));
    const cin = levels[0]?.channels ?? feat;
    if (levels.some((l) => l.channels !== cin))
      throw new Error("FasterRcnnHead: all levels must have the same channels (shared RPN conv)");
    this.pooledLevels = levels.filter((l) => l.stride <= 32).length;
    const conv = this.child("rpn_conv", new HeadConv(cin, feat, rng));
    const clsOut = this.child(
      "rpn_cls",
      new Conv2d(feat, A, rng, { kernel: 1, bias: true, init: "normal0.01" }),
    );
    const regOut = this.child(
      "rpn_reg",
      new Conv2d(feat, 4 * A, rng, { kernel: 1, bias: true, init: "normal0.01" }),
    );
    this.rpn = this.child(
      "rpn",
      levelViews(levels, feat, () => new LevelView([conv])),
    );
    this.cls = this.child(
      "cls",
      levelViews(levels, A, () => new LevelView([clsOut])),
    );
    this.box = this.child(
      "box",
      levelViews(levels, 4 * A, () => new LevelView([regOut])),
    );
    this.roi = this.child(
      "roi",
      new BBoxHead(cin, this.opts.roiPool.outputSize ?? 7, numClasses, rng, this.opts.fcChannels),
    );
  }

  /** 3 (mmdet RPN: one scale × ratios 0.5, 1, 2). */
  override get anchorsPerLocation(): number {
    return this.A;
  }

  /** 1: the RPN's `cls` maps are class-agnostic objectness. */
  override get denseClasses(): number {
    return 1;
  }

  /** mmdet `test_cfg.rcnn`: score 0.05 (kdet keeps scores ≥ it, mmdet > it), NMS IoU 0.5, 100 detections per image. */
  override get postprocessDefaults(): PostprocessOptions {
    return { scoreThreshold: 0.05, iouThreshold: 0.5, maxDetections: 100 };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    const f = this.rpn.call(xs);
    return { cls: this.cls.call(f), box: this.box.call(f), features: xs };
  }

  /** Proposals of every image from the RPN maps (values synced; no tensors kept). */
  proposals(raw: HeadOutput, opts: ProposalOptions): Proposals[] {
    const shapes = levelShapes(raw.cls);
    const strides = this.levels.map((l) => l.stride);
    const anchors = shapes.map((s, l) => makeAnchorBoxes([s], [strides[l] as number], RPN_ANCHORS).boxes);
    const logits = raw.cls.map((t) => t.dataSync() as Float32Array);
    const deltas = raw.box.map((t) => t.dataSync() as Float32Array);
    const N = raw.cls[0]?.shape[0] ?? 0;
    const [h0, w0] = shapes[0] ?? [0, 0];
    const maxShape: [number, number] = [h0 * (strides[0] ?? 1), w0 * (strides[0] ?? 1)];
    return Array.from({ length: N }, (_, b) =>
      rpnProposals(
        logits.map((a) => a.subarray((b * a.length) / N, ((b + 1) * a.length) / N)),
        deltas.map((a) => a.subarray((b * a.length) / N, ((b + 1) * a.length) / N)),
        anchors,
        maxShape,
        opts,
      ),
    );
  }

  /** The inference proposals of every image (the test settings {@link decode} uses). */
  testProposals(raw: HeadOutput): Proposals[] {
    return this.proposals(raw, this.opts.testProposals);
  }

  /**
   * Training loss: mmdet `TwoStageDetector.loss` = RPN loss ({@link rpnLoss}: `rpn_cls`, `rpn_box`) + R-CNN loss
   * ({@link rcnnTargets} on the training proposals, {@link rcnnLoss}: `rcnn_cls`, `rcnn_box`), all weights 1.
   * Sampling RNGs are drawn from the data ({@link dataRng}). Needs `raw.features` (set by `forward`).
   */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    const features = this.pyramid(raw, "loss");
    return tf.tidy(() => {
      const N = raw.cls[0]?.shape[0] ?? 0;
      if (targets.boxes.length !== N || targets.classes.length !== N)
        throw new Error(`FasterRcnnHead.loss: targets for ${targets.boxes.length} images, batch has ${N}`);
      const strides = this.levels.map((l) => l.stride);
      const { boxes: anchors } = makeAnchorBoxes(levelShapes(raw.cls), strides, RPN_ANCHORS);
      const logits = tf.reshape(flattenLevels(raw.cls, 1), [N, -1]) as tf.Tensor2D;
      const deltas = flattenLevels(raw.box, 4);
      const props = this.proposals(raw, this.opts.trainProposals);
      const seed = this.opts.samplerSeed;
      const rpnRngs = targets.boxes.map((gt, b) => dataRng(seed, [gt, props[b]?.scores ?? []]));
      const rpn = rpnLoss(logits, deltas, anchors, targets.boxes, rpnRngs);
      const rcnnRngs = targets.boxes.map((gt, b) => dataRng(seed + 1, [gt, props[b]?.boxes ?? []]));
      const t = rcnnTargets(
        props.map((p) => p.boxes),
        targets.boxes,
        targets.classes,
        this.numClasses,
        rcnnRngs,
        { ...RCNN_SAMPLER, num: this.opts.rcnnSamples },
      );
      const out = headOnRois(features.slice(0, this.pooledLevels), strides, t.rois, this.opts.roiPool, (p) =>
        this.roi.call(p),
      );
      const parts = { ...rpn, ...rcnnLoss(out, t) };
      return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
    });
  }

  /**
   * Dense predictions from the RoI stage on the test proposals (mmdet `StandardRoIHead.predict_bbox`): per
   * proposal p and class c, the box `delta2bbox(p, δ_c)` ({@link RCNN_CODER}, clipped to the stride-4 map's
   * extent, i.e. the input for sizes divisible by 4) and a score row holding softmax(logits)_c at column c and
   * 0 elsewhere, so class-aware NMS over (row, class) candidates equals mmdet's `multiclass_nms`. A = P·C rows
   * per image (P = most proposals of an image in the batch; missing rows are zero boxes with zero scores).
   */
  decode(raw: HeadOutput): DensePredictions {
    const features = this.pyramid(raw, "decode");
    return tf.tidy(() => {
      const props = this.testProposals(raw);
      const strides = this.levels.map((l) => l.stride);
      const C = this.numClasses;
      const N = props.length;
      const P = Math.max(1, ...props.map((p) => p.scores.length));
      const total = props.reduce((a, p) => a + p.scores.length, 0);
      const rois = new Float32Array(total * 5);
      const slot = new Int32Array(total);
      let r = 0;
      props.forEach((p, b) => {
        for (let i = 0; i < p.scores.length; i++, r++) {
          rois[5 * r] = b;
          rois.set(p.boxes.subarray(4 * i, 4 * i + 4), 5 * r + 1);
          slot[r] = b * P + i;
        }
      });
      const [h0, w0] = levelShapes(raw.cls)[0] ?? [0, 0];
      const s0 = strides[0] ?? 1;
      const out = headOnRois(features.slice(0, this.pooledLevels), strides, rois, this.opts.roiPool, (p) =>
        this.roi.call(p),
      );
      const propBoxes = tf.tensor3d(
        rois.filter((_, i) => i % 5 !== 0),
        [total, 1, 4],
      );
      const decoded = deltaDecode(propBoxes, tf.reshape(out.box, [total, C, 4]), RCNN_CODER);
      const hi = tf.tensor1d([w0 * s0, h0 * s0, w0 * s0, h0 * s0]);
      const boxes = tf.minimum(tf.maximum(decoded, 0), hi); // [total, C, 4]
      const probs = tf.slice(tf.softmax(out.cls), [0, 0], [total, C]); // background dropped
      const scores = tf.mul(tf.expandDims(probs, 2), tf.expandDims(tf.eye(C), 0)); // [total, C, C]
      const idx = tf.tensor1d(slot, "int32");
      const denseBoxes = tf.scatterND(tf.expandDims(idx, 1), boxes, [N * P, C, 4]);
      const denseScores = tf.scatterND(tf.expandDims(idx, 1), scores, [N * P, C, C]);
      return {
        boxes: tf.reshape(denseBoxes, [N, P * C, 4]) as tf.Tensor3D,
        scores: tf.reshape(denseScores, [N, P * C, C]) as tf.Tensor3D,
      };
    });
  }

  /** 1: the exported graph runs its proposal stage (NMS) on one image. */
  override get graphBatch(): 1 {
    return 1;
  }

  /**
   * Graph export (batch 1, run with `executeAsync`: NMS): the RPN maps as `forward`, then the inference path of
   * {@link decode} in graph ops ({@link proposalsGraph} on the test proposals, {@link roiAlignGraph} from P2–P5 (the
   * adaptive sampling grid of `samplingRatio` 0 is exact there), the 2-fc head, {@link rcnnDenseGraph}).
   */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const { g } = ctx;
    const pool = this.opts.roiPool;
    if ((pool.samplingRatio ?? 0) !== 0)
      throw new Error(
        `exportGraphModel: module "${this.path}": roiPool.samplingRatio ${pool.samplingRatio} is not exported (only 0, adaptive, the mmdet default)`,
      );
    const f = sharedChain(xs, [childOf(this, "rpn_conv")], ctx);
    const cls = sharedChain(f, [childOf(this, "rpn_cls")], ctx);
    const box = sharedChain(f, [childOf(this, "rpn_reg")], ctx);
    const strides = this.levels.map((l) => l.stride);
    const h0 = (cls[0]?.shape[1] as number) * (strides[0] as number);
    const w0 = (cls[0]?.shape[2] as number) * (strides[0] as number);
    const proposals = proposalsGraph(g, cls, box, strides, [h0, w0], {
      ...this.opts.testProposals,
      iouThreshold: this.opts.testProposals.iouThreshold ?? 0.7,
      anchors: RPN_ANCHORS,
    });
    const S = pool.outputSize ?? 7;
    const pooled = roiAlignGraph(g, xs.slice(0, this.pooledLevels), strides, proposals, {
      outputSize: S,
      finestScale: pool.finestScale ?? 56,
    });
    const C = xs[0]?.shape[3] as number;
    const fc = (name: string) => {
      const m = childOf(childOf(this, "roi"), name) as Linear;
      return [
        ctx.constOf(m, "weight", () => ({ data: values(m.weight), shape: m.weight.shape })),
        ctx.constOf(m, "bias", () => ({ data: values(m.bias), shape: m.bias.shape })),
      ] as const;
    };
    const flat = reshape(g, "roi/flatten", transposeGraph(g, "roi/flatten", pooled, [0, 3, 1, 2]), [
      -1,
      C * S * S,
    ]);
    const h1 = linearGraph(g, "roi/shared_fc1", flat, ...fc("shared_fc1"), true);
    const h2 = linearGraph(g, "roi/shared_fc2", h1, ...fc("shared_fc2"), true);
    const logits = linearGraph(g, "roi/fc_cls", h2, ...fc("fc_cls"), false);
    const deltas = linearGraph(g, "roi/fc_reg", h2, ...fc("fc_reg"), false);
    return {
      cls,
      box,
      boxMeaning: `RPN deltas (dx, dy, dw, dh) of ${this.A} anchors per location, anchor-major`,
      dense: rcnnDenseGraph(g, proposals, logits, deltas, this.numClasses, [h0, w0], {
        means: RCNN_CODER.means ?? [0, 0, 0, 0],
        stds: RCNN_CODER.stds ?? [1, 1, 1, 1],
      }),
      proposals,
      decode: { type: "two-stage", score: "softmax(rcnn cls)" },
    };
  }

  private pyramid(raw: HeadOutput, op: string): tf.Tensor4D[] {
    if (!raw.features || raw.features.length < this.pooledLevels)
      throw new Error(
        `FasterRcnnHead.${op}: the raw output carries no pyramid ("features"); pass the output of this head's ` +
          "forward pass (Detector.call / forwardWithTaps), which keeps the levels the RoIs are pooled from",
      );
    return raw.features;
  }
}
