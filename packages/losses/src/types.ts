/**
 * Shared types of every distillation loss in `@kdet/losses`.
 *
 * Layout conventions: feature maps are NHWC `[N, H, W, C]` (tfjs), boxes are `xyxy` in absolute
 * input-image pixels. The teacher is treated as a constant (`stopGradient` of `@kdet/core`;
 * tfjs-core has no `tf.stopGradient`).
 */
import type * as tf from "@tensorflow/tfjs-core";

/** Per-call context: ground truth, geometry and supplied randomness a loss may need. */
export interface LossContext {
  /** Per image, GT boxes `xyxy` in absolute input pixels, flat `n*4`. */
  boxes?: Float32Array[];
  /** Per image, GT class ids (`n`). */
  labels?: Int32Array[];
  /** Padded input size `[h, w]` of the batch (pixels). */
  imageSize?: [number, number];
  /** Per image, the un-padded image size `[h, w]` (pixels); defaults to `imageSize`. */
  imgShapes?: Array<[number, number]>;
  /** Stride of the current feature map w.r.t. the input (pixels per cell). */
  stride?: number;
  /** Index of the current pyramid level (0 = finest). */
  level?: number;
  /** Number of pyramid levels. */
  levels?: number;
  /** Teacher predictions some losses use (e.g. anchors / scores); loss-specific shape. */
  teacherPreds?: Record<string, tf.Tensor | tf.Tensor[]>;
  /** Supplied randomness (e.g. the MGD random mask `rand_mat`, NHWC `[N,H,W,1]`). */
  rand?: tf.Tensor;
  /** Seeded random source `() => [0,1)` for losses that draw their own randomness. */
  rng?: () => number;
  /**
   * Dense training targets by name, read by a term's `ctxFrom: {key: "targets:<name>"}` (the kdet trainer supplies
   * `assigned.<level>` `[N,H,W]` int32 class per location with background = K, `fg.<level>` / `bg.<level>` `[N,H,W]`
   * float32 weights).
   */
  targets?: Record<string, tf.Tensor>;
  /** Anything else a specific loss documents. */
  [key: string]: unknown;
}

/** Result of one loss evaluation: the weighted total and its named (weighted) parts. */
export interface LossResult {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

/** A distillation loss: pure in its inputs except for the trainable adapter variables it owns. */
export interface DistillLoss {
  /** Family id, equal to the config `type` (e.g. `"cwd"`). */
  readonly id: string;
  /**
   * Computes the loss. `student`/`teacher` are NHWC `[N,H,W,C]` (or per-level arrays, per family).
   * The teacher receives no gradient. Runs inside `tf.tidy`; only the returned scalars survive.
   */
  compute(student: tf.Tensor | tf.Tensor[], teacher: tf.Tensor | tf.Tensor[], ctx?: LossContext): LossResult;
  /** Trainable adapter weights owned by the loss (`[]` when none); hand them to the optimizer. */
  readonly variables: tf.Variable[];
  /** Frees the adapter variables. */
  dispose(): void;
}
