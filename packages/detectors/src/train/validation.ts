/**
 * Validation inside the trainer, injected by the caller: the trainer hands its evaluation weights to a
 * {@link Validator} every `valEvery` epochs and keeps `best.ckpt` by the metric it returns. `@kdet/detectors` does not
 * score detections itself (that is `@kdet/eval`'s job, on `@kdet/data` ground truth): the CLI wires a COCO validator
 * from those packages, and any other scorer with the same result fits.
 */
import type { Detector } from "../detector";
import type { PostprocessOptions } from "../heads/postprocess";

/** COCO metrics of one evaluation (pycocotools-exact when the validator uses `@kdet/eval`). */
export interface ValidationResult {
  /** mAP@[.5:.95]. */
  mAP: number;
  AP50: number;
  AP75: number;
  /** The 12 pycocotools statistics. */
  stats: number[];
  numDetections: number;
  seconds: number;
}

/** Scores a detector on held-out data; given to the trainer by its caller (`TrainerOptions.val`). */
export interface Validator {
  /**
   * Scores `model` (the trainer has put it in inference mode and restores its mode afterwards) with the trainer's
   * post-processing options.
   */
  validate(model: Detector, postprocess: PostprocessOptions): Promise<ValidationResult>;
}
