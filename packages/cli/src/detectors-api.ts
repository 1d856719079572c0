/**
 * The one place the CLI imports `@kdet/detectors` from: everything it uses of it, re-exported, so
 * the rest of the package does not depend on how detectors is organised.
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
  type GraphExportResult,
  type DetectorId,
  type DetectorSpec,
  type TrainLog,
  type TrainData,
  type TrainerConfigInput,
  type ValidationData,
  type PostprocessOptions,
  type DistillSetup,
} from "@kdet/detectors";
