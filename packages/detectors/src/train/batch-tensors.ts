import * as tf from "@tensorflow/tfjs-core";
import type { DetectionTargets } from "../heads/types";

/** The parts of a `@kdet/data` Batch the trainer reads (structural, so any source of the same shape works). */
export interface BatchLike {
  /** NHWC `[B,H,W,3]`: float32 in 0..1 or uint8 0..255. */
  images: Float32Array | Uint8Array;
  batchSize: number;
  height: number;
  width: number;
  /** `labelled: false` marks an image of the unlabelled part (no detection loss from its annotations). */
  items: ReadonlyArray<{ boxes: Float32Array; classes: Int32Array; ignore?: Uint8Array; labelled?: boolean }>;
}

/** A batch whose items may carry their dataset sample id (a `@kdet/data` `Batch` is one; a teacher cache needs it). */
export type IdentifiedBatch = Omit<BatchLike, "items"> & {
  items: ReadonlyArray<BatchLike["items"][number] & { imageId?: string | number }>;
};

/** Batch pixels as a float32 `[B,H,W,3]` tensor in 0..1 (uint8 is divided by 255). */
export function batchImages(b: BatchLike): tf.Tensor4D {
  const shape: [number, number, number, number] = [b.batchSize, b.height, b.width, 3];
  const n = shape.reduce((a, x) => a * x, 1);
  if (b.images.length !== n)
    throw new Error(`batchImages: ${b.images.length} pixel values for a batch of ${shape.join("×")}`);
  if (b.images instanceof Float32Array) return tf.tensor4d(b.images, shape);
  return tf.tidy(() => tf.div(tf.tensor4d(b.images, shape, "int32"), 255) as tf.Tensor4D);
}

/** Training targets of a batch: per image, the boxes and classes not flagged `ignore`. */
export function batchTargets(b: BatchLike): DetectionTargets {
  const boxes: Float32Array[] = [];
  const classes: Int32Array[] = [];
  for (const it of b.items) {
    const keep: number[] = [];
    for (let j = 0; j < it.classes.length; j++) if (!it.ignore?.[j]) keep.push(j);
    boxes.push(Float32Array.from(keep.flatMap((j) => Array.from(it.boxes.subarray(4 * j, 4 * j + 4)))));
    classes.push(Int32Array.from(keep.map((j) => it.classes[j] as number)));
  }
  return { boxes, classes };
}
