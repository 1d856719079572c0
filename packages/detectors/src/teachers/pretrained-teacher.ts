/**
 * The raw contract of a pretrained COCO-80 teacher (a TF.js graph model wrapped with its own preprocessing): images
 * of any size in, detections in original-image pixels, dense class scores and feature taps out. The trainer sees
 * it through the {@link Teacher} interface (`teacher.ts`), which {@link GraphTeacher} implements as well.
 */
import type * as tf from "@tensorflow/tfjs-core";

/** One decoded RGB image, `data` HWC uint8 (or float 0..255), as returned by `@kdet/data`'s `decodeImage`. */
export interface TeacherImage {
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
  channels: 3;
}

/** Input of {@link PretrainedTeacher.run}: decoded images (any sizes) or an NHWC RGB 0..255 float/int batch `[N,H,W,3]`. */
export type TeacherInput = readonly TeacherImage[] | tf.Tensor4D;

/** Options of one {@link PretrainedTeacher.run} call. */
export interface TeacherRunOptions {
  /** Feature taps to return (names from {@link PretrainedTeacher.featureNames}); default none. */
  features?: readonly string[];
  /** Also return the per-location class confidences `scores`; default true. */
  scores?: boolean;
  /** Skip box decoding (faster when only features are wanted); default false. */
  skipDetections?: boolean;
}

/** Detections of one image, in ORIGINAL image pixels. */
export interface TeacherDetections {
  /** `[n·4]` xyxy, clipped to the image. */
  boxes: Float32Array;
  /** `[n]` confidences, descending. */
  scores: Float32Array;
  /** `[n]` COCO-80 class indices 0..79 (the YOLO / coco128 order). */
  classes: Int32Array;
  /** `[n]` official COCO category ids (1..90). */
  categoryIds: Int32Array;
}

/** Output of {@link PretrainedTeacher.run}. The caller owns (and must dispose) every tensor. */
export interface TeacherOutput {
  /** One entry per input image (empty arrays when `skipDetections`). */
  detections: TeacherDetections[];
  /**
   * Per-location class confidences (post-sigmoid) per output level, NHWC `[N,h,w,80]`, keyed by level name
   * (e.g. `"s4"` for CenterNet, `"s8"`/`"s16"`/`"s32"` for NanoDet). Present unless `scores: false`.
   */
  scores: Record<string, tf.Tensor4D>;
  /** The requested feature taps, NHWC `[N,h,w,C]`, batch concatenated in input order. */
  features: Record<string, tf.Tensor4D>;
}

/** A frozen detector that can be queried for detections, dense class scores and named features. */
export interface PretrainedTeacher {
  /** Registry id, e.g. `"centernet-mbv3"`. */
  readonly id: string;
  /** Native network input `[h, w]`; images are resized to it (stretch or letterbox, see the config). */
  readonly inputSize: readonly [number, number];
  /** Class names, COCO-80 order. */
  readonly classNames: readonly string[];
  /** Names accepted by `run({features})`, each with its NHWC shape for batch 1 and its stride. */
  readonly featureNames: readonly string[];
  /** `[1,h,w,C]` NHWC shape and stride of each feature tap. */
  readonly featureInfo: Readonly<
    Record<string, { shape: readonly [1, number, number, number]; stride: number }>
  >;
  /** Runs the teacher (one graph call per image; no gradients are ever recorded). */
  run(images: TeacherInput, options?: TeacherRunOptions): Promise<TeacherOutput>;
  /** Frees the model weights. */
  dispose(): void;
}
