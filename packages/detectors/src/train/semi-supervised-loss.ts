/**
 * The detection loss of a batch that mixes labelled and unlabelled images (kdet's design for issue "semi-supervised
 * distillation"; the thesis only states that unlabelled images become training data through the teacher).
 *
 * Image-level mask, not a global weight: the head's own loss (assigner, normalisers such as the number of positives
 * or the sum of target scores included) runs on the raw outputs of the labelled images only — `tf.gather` along the
 * batch axis of every level of `cls`/`box`/`quality` — with their ground truth, exactly as on a batch of just those
 * images. An unlabelled image therefore adds nothing to the value or the gradient of the detection loss, whatever
 * its (empty) annotations say, for every detector family. Batch statistics (BatchNorm) still see the whole batch.
 *
 * Pseudo-labels (optional): the teacher's detections with score ≥ a threshold, in batch-input pixels (the teacher
 * ran on the augmented batch tensor the student sees, so boxes match its geometry), are the targets of the
 * unlabelled images; the head's loss on that subset × `pseudo.weight` is added as parts `pseudo.<part>`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Detections } from "../heads/postprocess";
import type { DetectionHead, DetectionLoss, DetectionTargets, HeadOutput } from "../heads/types";

/** The raw outputs of the images at `idx` (batch axis 0 of every level). */
export function selectImages(raw: HeadOutput, idx: readonly number[]): HeadOutput {
  const ix = tf.tensor1d(Int32Array.from(idx), "int32");
  const pick = (ts: tf.Tensor4D[]) => ts.map((t) => tf.gather(t, ix, 0) as tf.Tensor4D);
  const out: HeadOutput = { cls: pick(raw.cls), box: pick(raw.box) };
  if (raw.quality) out.quality = pick(raw.quality);
  if (raw.features) out.features = pick(raw.features);
  ix.dispose();
  return out;
}

function subset(t: DetectionTargets, idx: readonly number[]): DetectionTargets {
  return { boxes: idx.map((i) => t.boxes[i]!), classes: idx.map((i) => t.classes[i]!) };
}

function scaled(loss: DetectionLoss, w: number, prefix = ""): DetectionLoss {
  const parts = Object.fromEntries(
    Object.entries(loss.parts).map(([k, v]) => [prefix + k, w === 1 ? v : (tf.mul(v, w) as tf.Scalar)]),
  );
  return { total: w === 1 ? loss.total : (tf.mul(loss.total, w) as tf.Scalar), parts };
}

/** Pseudo-label targets of the unlabelled images and their loss weight. */
export interface PseudoTargets {
  /** Per image of the batch (entries of labelled images are ignored). */
  targets: DetectionTargets;
  weight: number;
}

/**
 * `weight · head.loss(raw[L], targets[L]) + pseudo.weight · head.loss(raw[U], pseudo.targets[U])` with L the
 * labelled and U the unlabelled images (`labelled[i]`); a side with no image (or a zero weight) adds nothing.
 * Call inside the gradient closure (tidy by the caller's tape scope).
 */
export function maskedDetectionLoss(
  head: Pick<DetectionHead, "loss">,
  raw: HeadOutput,
  targets: DetectionTargets,
  labelled: readonly boolean[],
  weight: number,
  pseudo?: PseudoTargets,
): DetectionLoss {
  const L = labelled.flatMap((l, i) => (l ? [i] : []));
  const U = labelled.flatMap((l, i) => (l ? [] : [i]));
  let total: tf.Scalar = tf.scalar(0);
  const parts: Record<string, tf.Scalar> = {};
  const add = (loss: DetectionLoss) => {
    total = tf.add(total, loss.total);
    Object.assign(parts, loss.parts);
  };
  if (weight > 0 && L.length > 0) {
    const all = L.length === labelled.length;
    add(scaled(head.loss(all ? raw : selectImages(raw, L), all ? targets : subset(targets, L)), weight));
  }
  if (pseudo && pseudo.weight > 0 && U.length > 0)
    add(scaled(head.loss(selectImages(raw, U), subset(pseudo.targets, U)), pseudo.weight, "pseudo."));
  return { total, parts };
}

/**
 * Pseudo-label targets from a teacher's detections (xyxy batch-input pixels): per unlabelled image, the detections
 * with `score ≥ threshold` (classes must be the student's `0..numClasses-1`); labelled images get none.
 */
export function pseudoLabelTargets(
  detections: readonly Detections[],
  labelled: readonly boolean[],
  threshold: number,
  numClasses: number,
): DetectionTargets {
  const boxes: Float32Array[] = [];
  const classes: Int32Array[] = [];
  labelled.forEach((l, i) => {
    const d = detections[i];
    if (!d) throw new Error(`pseudoLabelTargets: the teacher returned no detections for image ${i}`);
    const keep: number[] = [];
    if (!l) for (let j = 0; j < d.scores.length; j++) if (d.scores[j]! >= threshold) keep.push(j);
    for (const j of keep)
      if (!(d.classes[j]! >= 0 && d.classes[j]! < numClasses))
        throw new Error(
          `pseudoLabelTargets: teacher class ${d.classes[j]} of image ${i} is not a student class (allowed 0..${numClasses - 1}); pseudo-labels need a teacher with the student's classes`,
        );
    boxes.push(Float32Array.from(keep.flatMap((j) => Array.from(d.boxes.subarray(4 * j, 4 * j + 4)))));
    classes.push(Int32Array.from(keep.map((j) => d.classes[j]!)));
  });
  return { boxes, classes };
}

/** The labelled flag of every item of a batch (absent = labelled). */
export function labelledFlags(batch: { items: ReadonlyArray<{ labelled?: boolean }> }): boolean[] {
  return batch.items.map((it) => it.labelled !== false);
}
