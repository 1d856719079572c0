/**
 * The one place the CLI imports `@kdet/detectors` from: everything it uses of it, re-exported, so
 * the rest of the package does not depend on how detectors is organised (`scripts/check-imports.mjs`
 * enforces it).
 */
export {
  createDetector,
  DETECTORS,
  DETECTOR_IDS,
  Detector,
  Trainer,
  trainerConfigSchema,
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
  postprocessImage,
  writeFileAtomic,
  NonFiniteError,
  countParams,
  countGflops,
  modelCost,
  timeInterleaved,
  detectorTeacher,
  inferBatch,
  loadTeacher,
  TEACHERS,
  TEACHER_IDS,
  buildTeacherCache,
  openTeacherCache,
  datasetFingerprint,
  TeacherCacheError,
  type GraphExportResult,
  type DetectorId,
  type DetectorSpec,
  type TrainLog,
  type TrainData,
  type TrainerConfigInput,
  type Validator,
  type ValidationResult,
  type PostprocessOptions,
  type DistillSetup,
  type ModelCost,
  type Teacher,
  type TeacherCache,
  type TeacherId,
} from "@kdet/detectors";

/** PyTorch checkpoint import (`kdet import`). */
export { importCheckpoint, importableModels, COCO_CLASS_NAMES, COCO_CATEGORY_IDS } from "@kdet/detectors";

/** PyTorch checkpoint import (`kdet import`). */
export { importCheckpoint, importableModels, COCO_CLASS_NAMES, COCO_CATEGORY_IDS } from "@kdet/detectors";
