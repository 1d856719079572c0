// Types of tfjs chained tensor methods (`x.reshape(…)`); @kdet/core registers them at run time.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
/**
 * @kdet/detectors — object detectors for kdet on TensorFlow.js (NHWC, boxes xyxy in input pixels):
 * the `DETECTORS` registry of named models, the `Detector` they build, the training loop (with the
 * distillation path), the `Teacher` interface and its adapters (trained detector, pretrained graph
 * model, offline cache), weight files and checkpoints, model counters, graph-model export and PyTorch
 * checkpoint import.
 *
 * This index is the public API. Building blocks, heads, assigners, the per-family losses, the GraphDef
 * writer and the checkpoint reader are internals: a new detector family is added inside the package
 * (CONTRIBUTING.md), and the package's tests import internals by relative path.
 */
// tfjs-core's main entry must load before @kdet/core's deep ESM imports of its gradients.
import "@tensorflow/tfjs-core";

// The registry of named detectors and their configs (each entry: family, description, zod config, factory).
export {
  DETECTORS,
  DETECTOR_IDS,
  createDetector,
  type DetectorEntry,
  type DetectorId,
  type DetectorConfig,
  type DetectorConfigInput,
} from "./registry";

// The detector: images → raw head outputs (with named taps), loss, detections.
export { Detector, type DetectorSpec, type TappedForward } from "./detector";
export { Backbone, Neck, type LevelInfo } from "./nn/feature-pyramid";
export {
  DetectionHead,
  type HeadOutput,
  type DetectionTargets,
  type DetectionLoss,
} from "./heads/types";
export { postprocessImage, type Detections, type PostprocessOptions } from "./heads/postprocess";
export { isTraining } from "./nn/training-mode";

// Training: the loop (schedule, EMA, clipping, validation, checkpoints, distillation) and its inputs.
export {
  Trainer,
  trainerConfigSchema,
  type TrainerConfig,
  type TrainerConfigInput,
  type TrainerOptions,
  type TrainData,
  type TrainLog,
} from "./train/trainer";
export type { DistillSetup, DistillerLike } from "./train/train-step";
export type { ValidationResult, Validator } from "./train/validation";
export { batchImages, batchTargets, type BatchLike, type IdentifiedBatch } from "./train/batch-tensors";
export { DISTILL_TARGET_KINDS } from "./train/distill-targets";
export {
  probeDistillStep,
  leafParts,
  type DistillProbe,
  type DistillProbeInput,
  type TapGradients,
} from "./train/distill-probe";
export {
  maskCoverage,
  MASK_FAMILIES,
  type CoverageLevel,
  type MaskCoverage,
  type MaskFamily,
} from "./train/distill-mask-coverage";
export { NonFiniteError, NON_FINITE_ADVICE } from "./train/non-finite";
export { writeCheckpoint, readCheckpoint, type Checkpoint } from "./train/checkpoint";

// Weight files (TF.js model.json + shards, the registry spec as topology).
export { saveWeights, loadWeights, loadDetector } from "./io/tfjs-weights";
export { namedVariables, type NamedVariable, type ParamKind } from "./io/named-variables";

// Model counters: parameters, GFLOPs, inference time.
export {
  countParams,
  countGflops,
  timeInference,
  modelCost,
  timeInterleaved,
  type ModelCost,
} from "./stats/model-stats";

// Graph-model export (TF.js graph model folder for the browser and Node: model.json + shards + kdet.json).
export {
  writeGraphModel,
  loadGraphExport,
  type GraphExportOptions,
  type GraphExportResult,
  type GraphExport,
} from "./export/graph-model-files";
export {
  alignProposalRows,
  detectorOutputs,
  relativeMaxDiff,
  verifyGraphExport,
} from "./export/verify-export";
export {
  ExportMetaSchema,
  EXPORT_META_FILE,
  type ExportMeta,
  type DecodeInfo,
} from "./export/export-meta";

// The Teacher interface of distillation and its adapters: a trained detector, a pretrained graph model, the cache.
export {
  checkTeacherMaps,
  type Teacher,
  type TeacherMapInfo,
  type TeacherBatch,
  type TeacherRequest,
  type TeacherResult,
  type TeacherIdentity,
} from "./teachers/teacher";
export {
  detectorTeacher,
  DetectorTeacher,
  type DetectorTeacherOptions,
} from "./teachers/detector-teacher";
export { inferBatch } from "./teachers/infer-batch";

// Pretrained teachers (COCO-80 TF.js graph models read from optional npm packages, frozen).
export {
  TEACHERS,
  TEACHER_IDS,
  loadTeacher,
  type TeacherId,
  type TeacherConfig,
} from "./teachers/registry";
export { TEACHER_SCORES_PREFIX, GraphTeacher } from "./teachers/graph-teacher";
export type {
  PretrainedTeacher,
  TeacherImage,
  TeacherInput,
  TeacherRunOptions,
  TeacherDetections,
  TeacherOutput,
} from "./teachers/pretrained-teacher";
export { TeacherModelError } from "./teachers/model-files";
export { COCO_CLASS_NAMES, COCO_CATEGORY_IDS } from "./teachers/coco-classes";

// The offline teacher cache (float16/float32 maps on disk, checked against the teacher, data and input).
export {
  buildTeacherCache,
  type SampleBatch,
  type BuildCacheOptionsInput,
  type BuildCacheSources,
  type BuildCacheResult,
} from "./teacher-cache/build";
export {
  openTeacherCache,
  TeacherCache,
  type OpenCacheOptions,
  type CachedDetections,
} from "./teacher-cache/teacher-cache";
export {
  CacheManifestSchema,
  TeacherCacheError,
  type CacheManifest,
  type CacheExpectation,
} from "./teacher-cache/manifest";
export { datasetFingerprint, type FingerprintDataset } from "./teacher-cache/fingerprint";

// PyTorch checkpoints (torch.save zip, read without Python) → kdet detectors: ultralytics YOLOv8; mmdet RetinaNet,
// GFL, FCOS, YOLOX.
export {
  importCheckpoint,
  importableModels,
  IMPORT_FORMATS,
  type ImportOptions,
  type ImportResult,
} from "./import/import-checkpoint";
export type { ImportFormat, ImportReport } from "./import/weight-mapping";
export { CheckpointFormatError } from "./import/zip-archive";
