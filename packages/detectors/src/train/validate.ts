import type { Batch, Dataset } from "@kdet/data";
import { toCocoGt, toCocoResults, unmapBoxes } from "@kdet/data";
import { cocoEvaluate, loadGroundTruth, loadResults } from "@kdet/eval";
import type { Detector } from "../detector";
import type { PostprocessOptions } from "../heads/postprocess";
import { isTraining } from "../nn/training-mode";
import { batchImages } from "./batch-tensors";

/** A validation split: the dataset (for COCO ids and ground truth) and its batches (letterboxed, not augmented). */
export interface ValidationData {
  dataset: Dataset;
  loader: { epoch(e: number): AsyncIterable<Batch> | Iterable<Batch> };
}

/** COCO metrics of one evaluation (pycocotools-exact, from `@kdet/eval`). */
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

/**
 * Evaluates `model` in inference mode on `val`: predictions are mapped back to each original image
 * (`unmapBoxes` of the batch transform), written as COCO results in the dataset's own image and
 * category ids, and scored against the dataset's COCO ground truth. Post-processing defaults to
 * ultralytics validation (conf 0.001, IoU 0.7, 300 detections). Restores the model's BN mode.
 */
export async function evaluateDetector(
  model: Detector,
  val: ValidationData,
  opts: PostprocessOptions = {},
): Promise<ValidationResult> {
  const t0 = performance.now();
  const wasTraining = isTraining(model);
  model.train(false);
  const dets: Parameters<typeof toCocoResults>[1] = [];
  try {
    for await (const b of val.loader.epoch(0)) {
      const x = batchImages(b);
      const out = await model.predict(x, opts).finally(() => x.dispose());
      out.forEach((d, i) => {
        const it = b.items[i]!;
        if (!it.transform)
          throw new Error(
            `evaluateDetector: batch item ${i} (image ${it.imageId}) has no transform back to the original image (mosaic in a validation loader?)`,
          );
        dets.push({
          index: it.index,
          boxes: unmapBoxes(d.boxes, it.transform),
          scores: d.scores,
          classes: d.classes,
        });
      });
    }
  } finally {
    model.train(wasTraining);
  }
  const gt = loadGroundTruth(toCocoGt(val.dataset));
  const results = toCocoResults(val.dataset, dets);
  const r = cocoEvaluate(gt, loadResults(results, gt));
  return {
    mAP: r.stats[0]!,
    AP50: r.stats[1]!,
    AP75: r.stats[2]!,
    stats: r.stats,
    numDetections: results.length,
    seconds: (performance.now() - t0) / 1000,
  };
}
