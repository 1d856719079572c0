/**
 * Predictions of a detector on a whole split: letterboxed batches → `model.predict` → boxes mapped
 * back to each original image (`unmapBoxes`), as `@kdet/data` ImageDetections (xyxy, original
 * pixels, class indices) ready for `toCocoResults`.
 */
import { unmapBoxes, type BatchLoader, type ImageDetections } from "@kdet/data";
import { batchImages, isTraining, type Detector, type PostprocessOptions } from "./detectors-api";
import type { Progress } from "./progress";

/** Detections of every image of the split, in record order, and the time spent. */
export interface SplitPredictions {
  detections: ImageDetections[];
  seconds: number;
}

/** Runs `model` (inference mode) over every batch of `loader`; `progress` ticks once per batch. */
export async function predictSplit(
  model: Detector,
  loader: BatchLoader,
  opts: PostprocessOptions,
  progress?: Progress,
): Promise<SplitPredictions> {
  const t0 = performance.now();
  const wasTraining = isTraining(model);
  model.train(false);
  const detections: ImageDetections[] = [];
  try {
    for await (const b of loader.epoch(0)) {
      const x = batchImages(b);
      const out = await model.predict(x, opts).finally(() => x.dispose());
      out.forEach((d, i) => {
        const it = b.items[i]!;
        if (!it.transform)
          throw new Error(
            `predictSplit: image ${String(it.imageId)} has no transform back to the original image`,
          );
        detections.push({
          index: it.index,
          boxes: unmapBoxes(d.boxes, it.transform),
          scores: d.scores,
          classes: d.classes,
        });
      });
      progress?.tick(1);
    }
  } finally {
    model.train(wasTraining);
  }
  detections.sort((a, b) => a.index - b.index);
  return { detections, seconds: (performance.now() - t0) / 1000 };
}
