/**
 * The CLI's door into `@kdet/detectors` (loads TensorFlow.js): everything it uses of the package's main entry,
 * re-exported, so the rest of the package does not depend on how detectors is organised. The static tables
 * (ids, descriptions, config schemas) come through detectors-config.ts instead, without tfjs
 * (`scripts/check-imports.mjs` allows only these two files to import the package).
 */
export {
  createDetector,
  Detector,
  Trainer,
  batchImages,
  saveWeights,
  loadWeights,
  loadDetector,
  namedVariables,
  isTraining,
  writeGraphModel,
  loadGraphExport,
  verifyGraphExport,
  relativeMaxDiff,
  detectorOutputs,
  alignProposalRows,
  postprocessImage,
  NonFiniteError,
  readCheckpoint,
  writeCheckpoint,
  countParams,
  countGflops,
  modelCost,
  timeInterleaved,
  detectorTeacher,
  inferBatch,
  loadTeacher,
  buildTeacherCache,
  openTeacherCache,
  datasetFingerprint,
  TeacherCacheError,
  DISTILL_TARGET_KINDS,
  type GraphExportResult,
  type DetectorSpec,
  type TrainLog,
  type TrainData,
  type Validator,
  type ValidationResult,
  type PostprocessOptions,
  type DistillSetup,
  type ModelCost,
  type Teacher,
  type TeacherCache,
} from "@kdet/detectors";

/** PyTorch checkpoint import (`kdet import`). */
export { importCheckpoint, importableModels, COCO_CLASS_NAMES, COCO_CATEGORY_IDS } from "@kdet/detectors";
