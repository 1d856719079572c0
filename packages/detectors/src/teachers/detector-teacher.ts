/**
 * The {@link Teacher} adapter of a trained kdet {@link Detector}: its maps are the module outputs it declares
 * (`backbone.*`, `neck.*`, `head.*`: channels and stride, sizes following the batch input), produced by one tapped
 * forward pass in inference mode on the student's own 0..1 input tensor; detections by `predict` (decode, score
 * threshold, class-aware NMS) in batch-input pixels.
 */
import * as tf from "@tensorflow/tfjs-core";
import { featureInfo } from "@kdet/core";
import { createHash } from "node:crypto";
import type { Detector } from "../detector";
import type { PostprocessOptions } from "../heads/postprocess";
import { namedVariables } from "../io/named-variables";
import { isTraining } from "../nn/training-mode";
import {
  checkTeacherMaps,
  type Teacher,
  type TeacherBatch,
  type TeacherIdentity,
  type TeacherMapInfo,
  type TeacherRequest,
  type TeacherResult,
} from "./teacher";

/** Options of {@link detectorTeacher}. */
export interface DetectorTeacherOptions {
  /** Post-processing of the teacher's detections (default: the head's reference settings). */
  postprocess?: PostprocessOptions;
}

/** A trained kdet detector as a {@link Teacher} (kept in inference mode; `dispose()` frees the detector). */
export class DetectorTeacher implements Teacher {
  readonly id: string;
  readonly maps: Readonly<Record<string, TeacherMapInfo>>;

  constructor(
    readonly detector: Detector,
    readonly options: DetectorTeacherOptions = {},
  ) {
    detector.train(false);
    this.id = detector.spec?.id ?? "detector";
    this.maps = Object.fromEntries(
      Object.entries(featureInfo(detector)).map(([n, i]) => [n, { channels: i.channels, stride: i.stride }]),
    );
  }

  /** `detector` + the registry id + SHA-1 of every variable (name, shape, float32 bytes). */
  identity(): TeacherIdentity {
    const h = createHash("sha1");
    for (const { name, variable } of namedVariables(this.detector)) {
      const v = variable.dataSync() as Float32Array;
      h.update(`${name}:${variable.shape.join("x")}|`).update(
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      );
    }
    return { kind: "detector", id: this.id, variant: `weights-sha1:${h.digest("hex")}` };
  }

  /** One tapped forward pass (inference-mode BN, inside a tidy, outside any gradient tape); `predict` when asked. */
  async infer(input: TeacherBatch, request: TeacherRequest): Promise<TeacherResult> {
    checkTeacherMaps(this, request.maps);
    // someone may have switched the shared detector back to training mode (e.g. training it further)
    if (isTraining(this.detector)) this.detector.train(false);
    const maps = tf.tidy(
      () => this.detector.forwardWithTaps(input.images, request.maps).taps as Record<string, tf.Tensor4D>,
    );
    if (!request.detections) return { maps };
    try {
      return { maps, detections: await this.detector.predict(input.images, this.options.postprocess) };
    } catch (e) {
      tf.dispose(Object.values(maps));
      throw e;
    }
  }

  dispose(): void {
    this.detector.dispose();
  }
}

/** Wraps a trained detector as a {@link Teacher} (see {@link DetectorTeacher}). */
export function detectorTeacher(detector: Detector, options: DetectorTeacherOptions = {}): DetectorTeacher {
  return new DetectorTeacher(detector, options);
}
