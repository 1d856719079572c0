/**
 * Test-only: the COCO validator the detectors' own tests give the trainer (`@kdet/data` ground truth and results,
 * `@kdet/eval` scoring — dev dependencies of this package; the CLI wires its own from the same packages).
 */
import type { Batch, Dataset } from "@kdet/data";
import { toCocoGt, toCocoResults, unmapBoxes } from "@kdet/data";
import { cocoEvaluate, loadGroundTruth, loadResults } from "@kdet/eval";
import type { Detector } from "../detector";
import type { PostprocessOptions } from "../heads/postprocess";
import { batchImages } from "../train/batch-tensors";
import type { ValidationResult, Validator } from "../train/validation";

/** A validation split: the dataset (for COCO ids and ground truth) and its batches (letterboxed, not augmented). */
export interface ValidationData {
  dataset: Dataset;
  loader: { epoch(e: number): AsyncIterable<Batch> | Iterable<Batch> };
}

/**
 * Evaluates `model` (already in inference mode) on `val`: predictions are mapped back to each original image
 * (`unmapBoxes` of the batch transform), written as COCO results in the dataset's own image and category ids,
 * and scored against the dataset's COCO ground truth.
 */
async function evaluateDetector(
  model: Detector,
  val: ValidationData,
  opts: PostprocessOptions,
): Promise<ValidationResult> {
  const t0 = performance.now();
  const dets: Parameters<typeof toCocoResults>[1] = [];
  for await (const b of val.loader.epoch(0)) {
    const x = batchImages(b);
    const out = await model.predict(x, opts).finally(() => x.dispose());
    out.forEach((d, i) => {
      const it = b.items[i]!;
      if (!it.transform) throw new Error(`cocoValidator: batch item ${i} has no transform back to its image`);
      dets.push({
        index: it.index,
        boxes: unmapBoxes(d.boxes, it.transform),
        scores: d.scores,
        classes: d.classes,
      });
    });
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

/** A {@link Validator} scoring on `val` with pycocotools-exact COCO metrics. */
export function cocoValidator(val: ValidationData): Validator {
  return { validate: (model, postprocess) => evaluateDetector(model, val, postprocess) };
}
