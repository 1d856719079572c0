/**
 * @kdet/eval: pycocotools-exact COCO bbox mAP and PASCAL VOC AP, in plain TypeScript (no TensorFlow.js).
 *
 * Core (bit-identical to pycocotools 2.0.11): loadGroundTruth / loadResults, evaluate, accumulate, summarize,
 * or cocoEvaluate for all three. Extras (not pycocotools): VOC AP, PR curves and F1 thresholds, a confusion
 * summary of false positives.
 */

// core
export { loadGroundTruth, loadResults, loadResultsAsync, parseGroundTruth, parseResults } from "./load";
export type { GroundTruth, Results, LoadOptions, LoadResultsOptions } from "./load";
export { DEFAULT_MAX_INPUT_BYTES } from "./json";
export {
  resolveParams,
  DEFAULT_AREA_RNG,
  DEFAULT_AREA_RNG_LBL,
  DEFAULT_IOU_THRS,
  DEFAULT_MAX_DETS,
  DEFAULT_REC_THRS,
  MAX_PRECISION_CELLS,
} from "./coco-params";
export type { CocoParams, ResolvedParams } from "./coco-params";
export { evaluate, codeAt, CODE_FP, CODE_IGNORED, CODE_TP } from "./evaluate";
export type { EvalState } from "./evaluate";
export { accumulate, precisionIndex, recallIndex } from "./accumulate";
export type { Accumulated } from "./accumulate";
export {
  summarize,
  summarizeStat,
  statSpecs,
  formatSummary,
  STATS_NAMES,
} from "./summarize";
export type { StatSpec } from "./summarize";
export { cocoEvaluate, perCategoryTable } from "./coco-eval";
export type { CocoEvalOptions, CocoEvalResult, CategoryRow } from "./coco-eval";
export { cocoIou, vocIou } from "./iou";
export { npSum, npMean, pairwiseSum, linspace, NP_SPACING_1 } from "./numpy-float";
export type { NumpySum } from "./numpy-float";
export { pyFixed } from "./format";
export { EvalInputError } from "./errors";
export {
  CocoAnnotationSchema,
  CocoBoxSchema,
  CocoCategorySchema,
  CocoGroundTruthSchema,
  CocoImageSchema,
  CocoResultSchema,
} from "./coco-types";
export type {
  CocoAnnotation,
  CocoBox,
  CocoCategory,
  CocoGroundTruthJson,
  CocoImage,
  CocoResult,
} from "./coco-types";

// extras
export { vocClassAp, vocEvaluate, vocFromCoco, voc07Ap, vocAllPointAp } from "./voc-ap";
export type { VocClassResult, VocDet, VocGt, VocOptions, VocResult } from "./voc-ap";
export { prCurves } from "./pr-curves";
export type { PrCurve, PrCurveOptions } from "./pr-curves";
export { confusionSummary } from "./confusion";
export type { ConfusionCounts, ConfusionSummary } from "./confusion";

// CLI (also used by `kdet eval`)
export { main as kdetEvalMain, mainAsync as kdetEvalMainAsync, USAGE as KDET_EVAL_USAGE } from "./cli";
export type { CliIo } from "./cli";
