import type * as tf from "@tensorflow/tfjs-core";
import { Module } from "@kdet/core";
import type { LevelInfo } from "../nn/feature-pyramid";
import type { PostprocessOptions } from "./postprocess";

/**
 * Raw per-level outputs of a dense head, before decoding (NHWC, finest level first). A = the head's
 * `anchorsPerLocation` (1 for anchor-point heads; RetinaNet 9), channels anchor-major.
 */
export type HeadOutput = {
  /** `[N,h,w,A·C]` class logits per level. */
  cls: tf.Tensor4D[];
  /**
   * `[N,h,w,A·4·R]` box outputs per level: distribution logits (side-major: l, t, r, b × R bins) for
   * DFL heads; R = 1 for heads that regress 4 numbers directly (their coder is in the head's doc).
   */
  box: tf.Tensor4D[];
  /** `[N,h,w,1]` quality logits per level, for heads that have them (FCOS centre-ness, YOLOX objectness). */
  quality?: tf.Tensor4D[];
  /**
   * The pyramid the head ran on (`[N,h,w,C]` per level), for two-stage heads whose loss and decoding pool
   * RoIs from it (Faster R-CNN); one-stage heads leave it out.
   */
  features?: tf.Tensor4D[];
};

/** Ground truth of a batch: per image, xyxy boxes in input pixels (`[n·4]`) and class indices (`[n]`). */
export interface DetectionTargets {
  boxes: Float32Array[];
  classes: Int32Array[];
}

/** A loss value with its named parts (already weighted; total = Σ parts). */
export type DetectionLoss = {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
};

/** Dense predictions of a batch: `[N,A,4]` xyxy boxes in input pixels and `[N,A,C]` class probabilities. */
export type DensePredictions = {
  boxes: tf.Tensor3D;
  scores: tf.Tensor3D;
};

/**
 * A dense detection head: pyramid features → raw outputs, plus its own training loss (assigner
 * included) and decoding. `loss` and `decode` are tidy; call `loss` inside the gradient closure.
 */
export abstract class DetectionHead extends Module<tf.Tensor4D[], HeadOutput> {
  abstract readonly numClasses: number;
  abstract readonly levels: readonly LevelInfo[];
  /** Predictions per feature-map location (anchor boxes per cell; 1 for anchor-point heads). */
  get anchorsPerLocation(): number {
    return 1;
  }
  /**
   * Classes per anchor in the raw `cls` maps: `numClasses` for one-stage heads, 1 for the class-agnostic
   * objectness of a two-stage head's RPN (whose classes come from its RoI stage).
   */
  get denseClasses(): number {
    return this.numClasses;
  }
  /**
   * Post-processing settings of the architecture's reference inference config that differ from kdet's
   * defaults (e.g. mmdet `test_cfg.nms.iou_threshold` 0.5 of RetinaNet and FCOS); `Detector.predict`
   * applies them under the caller's options. Default: none.
   */
  get postprocessDefaults(): PostprocessOptions {
    return {};
  }
  /** Batch size of this head's exported graph: −1 (any) for one-stage heads, 1 where the graph handles one image. */
  get graphBatch(): -1 | 1 {
    return -1;
  }
  /** Training loss of raw outputs against the ground truth. */
  abstract loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss;
  /** Boxes and class probabilities for every anchor. */
  abstract decode(raw: HeadOutput): DensePredictions;
}
