/**
 * The `Teacher` interface of the distillation path: anything that can describe its maps up front and produce named
 * maps — and detections where asked — for a batch, without gradients. Three adapters implement it, and the kind of
 * teacher is chosen once, when one of them is constructed:
 * - {@link DetectorTeacher} — a trained kdet `Detector`, kept in inference mode (`detectorTeacher(det)`);
 * - {@link GraphTeacher} — a pretrained COCO-80 TF.js graph model with its own preprocessing (`loadTeacher(id)`);
 * - {@link TeacherCache} — the offline float16/float32 cache written by `buildTeacherCache` (`openTeacherCache`).
 * The trainer, the cache builder and the CLI use only this interface; the student never knows which teacher it has.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { Detections } from "../heads/postprocess";
import type { IdentifiedBatch } from "../train/batch-tensors";

/** Shape facts of one teacher map, known without a forward pass. */
export interface TeacherMapInfo {
  /** Channels (last NHWC axis). */
  channels: number;
  /** Teacher-input pixels per map cell (a cache: batch-input pixels per cell, fractional when the teacher resized). */
  stride: number;
  /**
   * `[h, w]` when the map has a fixed size whatever the batch input (a pretrained teacher resizes to its own input;
   * a cache holds the maps of the input size it was built at). Absent when the map follows the batch input:
   * `⌈H / stride⌉ × ⌈W / stride⌉` (a kdet detector).
   */
  size?: readonly [number, number];
}

/** A batch as the teacher is given it. */
export interface TeacherBatch {
  /** The batch as loaded; a cache looks its items up by `imageId` and checks their pixels' hash. */
  batch: IdentifiedBatch;
  /** The same pixels as the student's NHWC float32 input `[N,H,W,3]` in 0..1 (owned by the caller, not disposed). */
  images: tf.Tensor4D;
}

/** What one {@link Teacher.infer} call asks for. */
export interface TeacherRequest {
  /** Names of the maps to return (keys of {@link Teacher.maps}). */
  maps: readonly string[];
  /** Also return detections per image (default false). */
  detections?: boolean;
}

/** Result of {@link Teacher.infer}; the caller owns (and disposes) every tensor. */
export interface TeacherResult {
  /** Exactly the requested maps, NHWC `[N,h,w,C]`, batch in input order. */
  maps: Record<string, tf.Tensor4D>;
  /** With `detections: true`: per image, xyxy boxes in batch-input pixels, scores descending, class indices. */
  detections?: Detections[];
}

/** What a teacher cache records of the teacher it was built from (and checks when it is opened). */
export interface TeacherIdentity {
  kind: "pretrained" | "detector";
  /** Registry id. */
  id: string;
  /** Pretrained: resize mode and input size; detector: SHA-1 of its weights. */
  variant: string;
}

/** A frozen teacher: describes its maps, produces them (and detections) for a batch without gradients. */
export interface Teacher {
  /** Registry id of the teacher (`yolov8-s`, `centernet-mbv3`, …), for messages. */
  readonly id: string;
  /** Every map it can provide, by name (module paths of a detector; taps and `scores.<level>` of a pretrained one). */
  readonly maps: Readonly<Record<string, TeacherMapInfo>>;
  /** The identity a teacher cache records (a detector hashes its weights: call it once, not per batch). */
  identity(): TeacherIdentity;
  /** Named maps — and detections when asked — of a batch, with no gradient recorded. Unknown names throw. */
  infer(input: TeacherBatch, request: TeacherRequest): Promise<TeacherResult>;
  /** Frees what the teacher owns (model weights, open cache files). */
  dispose(): void | Promise<void>;
}

/** Throws when `teacher` cannot provide every map of `names`; the message lists the maps it has. */
export function checkTeacherMaps(teacher: Teacher, names: readonly string[], what = "distillation"): void {
  const missing = names.filter((n) => !teacher.maps[n]);
  if (!missing.length) return;
  const known = Object.keys(teacher.maps);
  const shown =
    known.length > 40 ? `${known.slice(0, 40).join(", ")}, … (${known.length} in all)` : known.join(", ");
  throw new Error(
    `${what}: teacher ${teacher.id} has no map ${missing.map((m) => `"${m}"`).join(", ")} (known: ${shown})`,
  );
}
