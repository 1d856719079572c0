/**
 * Teacher sources of the distillation path. `DistillSetup.teacher` is one of:
 * - a kdet {@link Detector} (trained, frozen in inference mode): its taps are computed synchronously inside
 *   `trainStep` from the same 0..1 NHWC batch tensor as the student (unchanged path);
 * - a pretrained {@link Teacher} (e.g. `loadTeacher("centernet-mbv3")`): run asynchronously before the step on the
 *   batch pixels scaled to 0..255 (`Teacher.run` takes 0..255 and resizes to its own input, so its maps cover the
 *   same image area as the student's); names are its feature taps, plus `scores.<level>` for its per-level class
 *   confidences (post-sigmoid NHWC `[N,h,w,80]`, e.g. `scores.s4` of CenterNet);
 * - a {@link BatchFeatureSource} such as the offline teacher cache (`TeacherCache`), read before the step.
 * Maps of another stride/size than the student's need the distiller's `align: "resize"` (`@kdet/losses`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { Detector } from "../detector";
import type { Teacher, TeacherDetections } from "../teachers/teacher";
import { batchImages, type BatchLike } from "./batch-tensors";

/** Prefix of a pretrained teacher's dense class-score maps among its feature names (`scores.s4`). */
export const TEACHER_SCORES_PREFIX = "scores.";

/** A batch whose items carry their dataset sample id (a `@kdet/data` `Batch` is one). */
export type IdentifiedBatch = Omit<BatchLike, "items"> & {
  items: ReadonlyArray<BatchLike["items"][number] & { imageId: string | number }>;
};

/** A precomputed source of teacher maps for a batch (the offline teacher cache). */
export interface BatchFeatureSource {
  readonly kind: "batch-features";
  /** Feature names it can provide. */
  readonly featureNames: readonly string[];
  /** The maps `names` of the batch, NHWC (the caller owns and disposes them). */
  features(batch: IdentifiedBatch, names: readonly string[]): Promise<Record<string, tf.Tensor4D>>;
}

/** What `DistillSetup.teacher` may be. */
export type TeacherSource = Detector | Teacher | BatchFeatureSource;

/** Whether the source is a kdet detector (taps computed inside the step). */
export function isDetectorTeacher(t: TeacherSource): t is Detector {
  return t instanceof Detector;
}

function isBatchSource(t: TeacherSource): t is BatchFeatureSource {
  return (t as BatchFeatureSource).kind === "batch-features";
}

/** Names a pretrained teacher can provide: its feature taps, then `scores.<level>` for the given score levels. */
export function pretrainedFeatureNames(teacher: Teacher, scoreLevels: readonly string[]): string[] {
  return [...teacher.featureNames, ...scoreLevels.map((l) => `${TEACHER_SCORES_PREFIX}${l}`)];
}

/**
 * Checks up front that `source` can provide `names` (feature taps of a pretrained teacher or names of a batch
 * source; score maps are checked at the first run, when their levels are known). Detectors check their own taps.
 */
export function checkTeacherNames(source: TeacherSource, names: readonly string[]): void {
  if (isDetectorTeacher(source)) return;
  const cache = isBatchSource(source);
  const missing = names.filter(
    (n) => !source.featureNames.includes(n) && (cache || !n.startsWith(TEACHER_SCORES_PREFIX)),
  );
  if (missing.length) {
    const what = cache ? "the teacher cache" : `teacher ${source.id}`;
    throw new Error(
      `distillation: ${what} has no feature ${missing.map((m) => `"${m}"`).join(", ")} (known: ${source.featureNames.join(", ")}${cache ? "" : `, ${TEACHER_SCORES_PREFIX}<level>`})`,
    );
  }
}

/**
 * Maps `names` of a pretrained teacher for NHWC images in 0..1 (`[N,H,W,3]`, as the student sees them): runs
 * `teacher.run(images·255, {features, scores, skipDetections})` and returns exactly the requested maps
 * (caller-owned) and, with `detections`, the teacher's detections in batch-input pixels (xyxy). Unknown names are
 * an error listing the known ones.
 */
export async function runPretrainedTeacher(
  teacher: Teacher,
  images01: tf.Tensor4D,
  names: readonly string[],
  detections = false,
): Promise<{ maps: Record<string, tf.Tensor4D>; detections: TeacherDetections[] }> {
  const taps = names.filter((n) => !n.startsWith(TEACHER_SCORES_PREFIX));
  const wantScores = taps.length < names.length;
  checkTeacherNames(teacher, taps);
  const x255 = tf.tidy(() => tf.mul(images01, 255) as tf.Tensor4D);
  let out;
  try {
    out = await teacher.run(x255, { features: taps, scores: wantScores, skipDetections: !detections });
  } finally {
    x255.dispose();
  }
  const all: Record<string, tf.Tensor4D> = { ...out.features };
  for (const [level, t] of Object.entries(out.scores)) all[`${TEACHER_SCORES_PREFIX}${level}`] = t;
  const missing = names.filter((n) => !all[n]);
  const maps = Object.fromEntries(names.filter((n) => all[n]).map((n) => [n, all[n]!]));
  tf.dispose(
    Object.entries(all)
      .filter(([k]) => !names.includes(k))
      .map(([, t]) => t),
  );
  if (missing.length) {
    tf.dispose(Object.values(maps));
    throw new Error(
      `distillation: teacher ${teacher.id} has no map ${missing.map((m) => `"${m}"`).join(", ")} (known: ${pretrainedFeatureNames(teacher, Object.keys(out.scores)).join(", ")})`,
    );
  }
  return { maps, detections: out.detections };
}

/**
 * The teacher maps of a batch for the non-detector sources, awaited before the synchronous step (caller-owned);
 * `undefined` for a detector teacher, whose taps `trainStep` computes itself.
 */
export async function prepareTeacherFeatures(
  source: TeacherSource,
  batch: IdentifiedBatch | BatchLike,
  names: readonly string[],
): Promise<Record<string, tf.Tensor4D> | undefined> {
  if (isDetectorTeacher(source)) return undefined;
  if (isBatchSource(source)) {
    if (!batch.items.every((it) => "imageId" in it))
      throw new Error(
        "distillation: a teacher cache needs batches whose items carry imageId (a @kdet/data Batch)",
      );
    return source.features(batch as IdentifiedBatch, names);
  }
  const x = batchImages(batch);
  try {
    return (await runPretrainedTeacher(source, x, names)).maps;
  } finally {
    x.dispose();
  }
}

/**
 * The teacher maps of a batch from any source, caller-owned: a detector's taps (inference as the trainer runs it:
 * put the detector in inference mode first), a pretrained teacher's maps or a cache's. For inspection and
 * benchmarks; the trainer uses {@link prepareTeacherFeatures} and taps a detector inside the step.
 */
export async function teacherMaps(
  source: TeacherSource,
  batch: IdentifiedBatch | BatchLike,
  names: readonly string[],
): Promise<Record<string, tf.Tensor>> {
  if (!isDetectorTeacher(source)) return (await prepareTeacherFeatures(source, batch, names))!;
  const x = batchImages(batch);
  try {
    return tf.tidy(() => source.forwardWithTaps(x, names).taps);
  } finally {
    x.dispose();
  }
}
