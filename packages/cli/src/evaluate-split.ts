/**
 * Final evaluation of a run: the split's COCO ground truth and the model's COCO results are
 * written to `eval/gt.json` and `eval/results.json` (the dataset's own image and category ids),
 * then scored from those files with `@kdet/eval` — so `kdet eval eval/gt.json eval/results.json`
 * gives the same numbers. `eval/metrics.json` keeps the 12 stats, the per-class table and the
 * per-class PR curves (IoU 0.5) for the report.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { toCocoGt, toCocoResults, type Dataset, type ImageDetections } from "@kdet/data";
import { cocoEvaluate, loadGroundTruth, loadResults, prCurves, type CategoryRow } from "@kdet/eval";
import { writeRunFile } from "./run-folder";

/** A per-class precision/recall curve at IoU 0.5 (COCO's 101 interpolated points). */
export interface ClassCurve {
  name: string;
  /** Ground truths of the class in the split (0: no curve). */
  gts: number;
  recall: number[];
  precision: number[];
  /** AP at IoU 0.5 of this class (mean of the interpolated precision; -1 without ground truth). */
  ap50: number;
}

/** What metrics.json holds. */
export interface SplitEvaluation {
  split: string;
  stats: number[];
  statsNames: readonly string[];
  mAP: number;
  AP50: number;
  AP75: number;
  summary: string;
  numImages: number;
  numDetections: number;
  perClass: CategoryRow[];
  curves: ClassCurve[];
}

/** Writes gt.json + results.json into `dir`, evaluates them and writes metrics.json. */
export async function evaluateToFiles(
  dir: string,
  ds: Dataset,
  detections: ImageDetections[],
  split: string,
): Promise<SplitEvaluation> {
  await mkdir(dir, { recursive: true });
  const gtFile = path.join(dir, "gt.json");
  const resFile = path.join(dir, "results.json");
  await writeRunFile(gtFile, JSON.stringify(toCocoGt(ds)));
  await writeRunFile(resFile, JSON.stringify(toCocoResults(ds, detections)));
  const gt = loadGroundTruth(gtFile);
  const res = cocoEvaluate(gt, loadResults(resFile, gt));
  const curves = prCurves(res, { iouThr: 0.5 }).map((c): ClassCurve => {
    const valid = c.interpolated.every((p) => p >= 0);
    return {
      name: c.name,
      gts: c.npig,
      recall: [...c.recThrs],
      precision: valid ? [...c.interpolated] : [],
      ap50: valid ? c.interpolated.reduce((a, b) => a + b, 0) / c.interpolated.length : -1,
    };
  });
  const out: SplitEvaluation = {
    split,
    stats: res.stats,
    statsNames: res.statsNames,
    mAP: res.stats[0]!,
    AP50: res.stats[1]!,
    AP75: res.stats[2]!,
    summary: res.summary,
    numImages: res.numImages,
    numDetections: res.numDetections,
    perClass: res.perCategory(),
    curves,
  };
  await writeRunFile(path.join(dir, "metrics.json"), JSON.stringify(out, null, 1));
  return out;
}
