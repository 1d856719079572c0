/**
 * The trainer's validation as the CLI wires it: the detectors' `Trainer` calls this `Validator` with its evaluation
 * weights; predictions on the split (`predictSplit`: letterboxed batches, boxes mapped back to the original images)
 * are scored against the split's COCO ground truth by `@kdet/eval` (pycocotools-exact), in memory.
 */
import { toCocoGt, toCocoResults, type BatchLoader, type Dataset } from "@kdet/data";
import { cocoEvaluate, loadGroundTruth, loadResults } from "@kdet/eval";
import type { Validator } from "./detectors-api";
import { predictSplit } from "./predict-split";

/** A validator scoring COCO mAP / AP50 / AP75 (and the 12 pycocotools stats) on `dataset` through `loader`. */
export function cocoValidator(dataset: Dataset, loader: BatchLoader): Validator {
  return {
    async validate(model, postprocess) {
      const t0 = performance.now();
      const { detections } = await predictSplit(model, loader, postprocess);
      const gt = loadGroundTruth(toCocoGt(dataset));
      const results = toCocoResults(dataset, detections);
      const r = cocoEvaluate(gt, loadResults(results, gt));
      return {
        mAP: r.stats[0]!,
        AP50: r.stats[1]!,
        AP75: r.stats[2]!,
        stats: r.stats,
        numDetections: results.length,
        seconds: (performance.now() - t0) / 1000,
      };
    },
  };
}
