/**
 * The one place the CLI imports `@kdet/detectors` from. Everything the CLI needs of it is
 * re-exported here, so that the rest of the package does not depend on where detectors keeps it.
 */
export { createDetector, DETECTORS, DETECTOR_IDS, type DetectorId, type DetectorSpec } from "../../detectors/src/registry";
export { Detector } from "../../detectors/src/detector";
export { Trainer, trainerConfigSchema, type TrainLog, type TrainData, type TrainerConfigInput } from "../../detectors/src/train/trainer";
export { evaluateDetector, type ValidationData, type ValidationResult } from "../../detectors/src/train/validate";
export { batchImages } from "../../detectors/src/train/batch-tensors";
export { saveWeights, loadWeights, loadDetector } from "../../detectors/src/io/tfjs-weights";
export { namedVariables } from "../../detectors/src/io/named-variables";
export type { PostprocessOptions, Detections } from "../../detectors/src/heads/postprocess";
export { isTraining } from "../../detectors/src/nn/training-mode";
