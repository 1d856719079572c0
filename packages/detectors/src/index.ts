// Types of tfjs chained tensor methods (`x.reshape(…)`); @kdet/core registers them at run time.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
/**
 * @kdet/detectors — object detectors for kdet on TensorFlow.js (NHWC, boxes xyxy in input pixels):
 * blocks, backbones (CSPDarknet, ResNet, MobileNetV2), necks (PAFPN, FPN), heads with their
 * assigners and losses (YOLOv8 + TAL, GFL + ATSS, FCOS, RetinaNet + max-IoU), the `DETECTORS`
 * registry, the training loop (optimizers, schedules, EMA, clipping, validation, checkpoints,
 * distillation) and weight I/O.
 */
// tfjs-core's main entry must load before @kdet/core's deep ESM imports of its gradients.
import "@tensorflow/tfjs-core";

// registry and detector
export {
  DETECTORS,
  DETECTOR_IDS,
  createDetector,
  yolov8ConfigSchema,
  gflConfigSchema,
  fcosConfigSchema,
  retinaConfigSchema,
  yoloxConfigSchema,
  yolov5ConfigSchema,
} from "./registry";
export type {
  DetectorEntry,
  DetectorId,
  DetectorConfig,
  DetectorConfigInput,
} from "./registry";
export { Detector, type DetectorSpec, type TappedForward } from "./detector";
export { createYolov8 } from "./models/yolov8";
export { createGfl, type GflBackbone } from "./models/gfl";
export { createFcos } from "./models/fcos";
export { createRetina } from "./models/retina";
export { createBackbone, type BackboneSpec } from "./models/backbone-spec";
export { createYolox } from "./models/yolox";
export { createYolov5 } from "./models/yolov5";

// layers and blocks
export { BatchNorm, batchNormInference, type BatchNormOptions } from "./nn/batch-norm";
export { GroupNorm } from "./nn/group-norm";
export { Conv2d, type Conv2dOptions } from "./nn/conv2d";
export { ConvBnAct, ULTRALYTICS_BN, type ConvBnActOptions } from "./nn/conv-bn-act";
export { silu, activate, type Activation } from "./nn/activations";
export { Sequential } from "./nn/sequential";
export { PerLevel } from "./nn/per-level";
export { upsample2x, upsampleLike } from "./nn/upsample";
export { setTraining, isTraining, configureBatchNorm } from "./nn/training-mode";
export { Backbone, Neck, PyramidModule, type LevelInfo } from "./nn/feature-pyramid";
export { Bottleneck } from "./blocks/bottleneck";
export { C2f } from "./blocks/c2f";
export { Sppf } from "./blocks/sppf";
export { BasicBlock, ResBottleneck, TORCHVISION_BN, type ResBlockOptions } from "./blocks/resnet-blocks";
export { DepthwiseSeparable } from "./blocks/depthwise-separable";
export { InvertedResidual } from "./blocks/inverted-residual";
export { CspLayer, CspBottleneck, Focus, focusSpaceToDepth, yoloxConv } from "./blocks/yolox-blocks";

// backbones and necks
export { CspDarknet, YOLOV8_SCALES, scaleChannels, scaleDepth, type YoloScale } from "./backbones/cspdarknet";
export { ResNet, RESNET_DEPTHS, type ResNetDepth } from "./backbones/resnet";
export { MobileNetV2 } from "./backbones/mobilenet-v2";
export { YoloxDarknet, YOLOX_SCALES, type YoloxScale } from "./backbones/yolox-darknet";
export { YoloxPafpn } from "./necks/yolox-pafpn";
export { Yolov5Darknet, YOLOV5_SCALES } from "./backbones/yolov5-darknet";
export { Pafpn } from "./necks/pafpn";
export { Fpn, type FpnExtraOptions } from "./necks/fpn";

// heads, assigners, losses, decoding
export {
  DetectionHead,
  type HeadOutput,
  type DetectionTargets,
  type DetectionLoss,
  type DensePredictions,
} from "./heads/types";
export { Yolov8Head, type Yolov8HeadOptions } from "./heads/yolov8-head";
export { yolov8Loss, yolov8Dense, type Yolov8LossOptions } from "./heads/yolov8-loss";
export { GflHead, type GflHeadOptions } from "./heads/gfl-head";
export { gflLoss, gflDense, type GflLossOptions } from "./heads/gfl-loss";
export { FcosHead, type FcosHeadOptions } from "./heads/fcos-head";
export {
  fcosLoss,
  fcosDense,
  centernessTarget,
  type FcosDense,
  type FcosLossOptions,
} from "./heads/fcos-loss";
export { RetinaHead, type RetinaHeadOptions } from "./heads/retina-head";
export {
  retinaLoss,
  retinaDense,
  type RetinaDense,
  type RetinaLossOptions,
  type RetinaBoxLoss,
} from "./heads/retina-loss";
export { sigmoidFocalLoss } from "./heads/focal-loss";
export { deltaEncode, deltaDecode, type DeltaCoderOptions } from "./heads/delta-coder";
export {
  makeAnchorBoxes,
  baseAnchors,
  anchorsPerLocation,
  type AnchorBoxes,
  type AnchorBoxOptions,
} from "./heads/anchor-boxes";
export {
  HeadConv,
  headTower,
  Scale,
  LevelView,
  levelViews,
  priorBias,
  type HeadConvOptions,
} from "./heads/tower";
export { YoloxHead, type YoloxHeadOptions } from "./heads/yolox-head";
export { yoloxLoss, yoloxDense, type YoloxDense, type YoloxLossOptions } from "./heads/yolox-loss";
export { Yolov5Head, yolov5DenseGraph, type Yolov5HeadOptions } from "./heads/yolov5-head";
export {
  YOLOV5_ANCHORS,
  yolov5Loss,
  yolov5Dense,
  yolov5Targets,
  yolov5DecodeConstants,
  type Yolov5Dense,
  type Yolov5LossOptions,
  type Yolov5Positive,
} from "./heads/yolov5-loss";
export { qualityFocalLoss } from "./heads/qfl";
export { bceWithLogits } from "./heads/bce";
export { dflIntegral, distToBox, boxToDist, dflTargets, dflLoss } from "./heads/dfl";
export { makeAnchorPoints, type AnchorPoints } from "./heads/anchors";
export { flattenLevels } from "./heads/flatten";
export { denseGrid, regressionTerms, type DenseGrid, type Foreground } from "./heads/dense";
export { postprocessImage, type Detections, type PostprocessOptions } from "./heads/postprocess";
export {
  taskAlignedAssign,
  type TaskAlignedInput,
  type TaskAlignedOptions,
  type Assignment,
} from "./assigners/task-aligned-assigner";
export { atssAssign, type AtssInput } from "./assigners/atss-assigner";
export {
  fcosAssign,
  FCOS_REGRESS_RANGES,
  type FcosAssignInput,
  type FcosAssignOptions,
} from "./assigners/fcos-assigner";
export { maxIouAssign, BACKGROUND, IGNORED, type MaxIouOptions } from "./assigners/max-iou-assigner";
export {
  simOtaAssign,
  type SimOtaInput,
  type SimOtaOptions,
  type SimOtaAssignment,
} from "./assigners/simota-assigner";
export { ciou, iou } from "./assigners/box-math";

// training
export {
  Trainer,
  trainerConfigSchema,
  type TrainerConfig,
  type TrainerConfigInput,
  type TrainerOptions,
  type TrainData,
  type TrainLog,
} from "./train/trainer";
export {
  trainStep,
  type StepContext,
  type StepResult,
  type DistillSetup,
  type DistillerLike,
} from "./train/train-step";
export {
  Optimizer,
  optimizerSchema,
  sgdSchema,
  adamwSchema,
  type OptimizerConfig,
  type OptimizerConfigInput,
  type ParamUpdate,
} from "./train/optimizers";
export {
  scheduleSchema,
  scheduleFactor,
  stepRates,
  type ScheduleConfig,
  type ScheduleConfigInput,
  type StepRates,
} from "./train/schedule";
export { ModelEma, type EmaOptions } from "./train/ema";
export { clipGradNorm } from "./train/clip";
export type { ValidationResult, Validator } from "./train/validation";
export { batchImages, batchTargets, type BatchLike, type IdentifiedBatch } from "./train/batch-tensors";
export { writeCheckpoint, readCheckpoint, type Checkpoint } from "./train/checkpoint";
export { NonFiniteError, NON_FINITE_ADVICE } from "./train/non-finite";
export {
  labelledFlags,
  maskedDetectionLoss,
  pseudoLabelTargets,
  selectImages,
  type PseudoTargets,
} from "./train/semi-supervised-loss";
export { trimMetricsFile } from "./train/metrics-file";
export {
  distillTargets,
  DISTILL_TARGET_KINDS,
  type TargetLevel,
} from "./train/distill-targets";

// weights
export { saveWeights, loadWeights, loadDetector, DEFAULT_SHARD_BYTES } from "./io/tfjs-weights";
export { namedVariables, type NamedVariable, type ParamKind } from "./io/named-variables";
export { assignNamed, variablesByName } from "./io/weights-map";
export { writeFileAtomic, fsyncDir } from "./io/atomic-write";

// model counters
export {
  countParams,
  countGflops,
  kernelMacs,
  timeInference,
  modelCost,
  timeInterleaved,
  type ModelCost,
} from "./stats/model-stats";

// graph-model export (TF.js graph model folder for the browser and Node: model.json + shards + kdet.json)
export {
  writeGraphModel,
  loadGraphExport,
  loadGraphFromBuilder,
  modelJsonFields,
  type GraphExportOptions,
  type GraphExportResult,
  type GraphExport,
} from "./export/graph-model-files";
export { detectorGraph, GRAPH_INPUT, type DetectorGraph } from "./export/detector-graph";
export { verifyGraphExport, detectorOutputs, relativeMaxDiff } from "./export/verify-export";
export {
  ExportMetaSchema,
  ExportOutputSchema,
  ExportRawOutputSchema,
  DecodeInfoSchema,
  EXPORT_META_FILE,
  type ExportMeta,
  type DecodeInfo,
} from "./export/export-meta";
export {
  exportMap,
  exportPyramid,
  exportHead,
  sharedChain,
  stagedGraph,
  resizeLike,
  type MapGraphModule,
  type PyramidGraphModule,
  type HeadGraphModule,
  type HeadGraph,
} from "./export/module-graph";
export { bnAffine, convWithBn, type ExportableConv, type FoldableBatchNorm } from "./export/fold-batch-norm";
export { ExportContext, childOf, childrenOf, scopeOf, type AnyModule } from "./export/export-context";
export {
  GraphBuilder,
  attr,
  ref,
  type Sym,
  type NodeDef,
  type AttrValue,
  type ConstWeight,
  type SignatureEntry,
} from "./export/graph-def";

// the Teacher interface of distillation and its three adapters (detector, pretrained graph model, offline cache)
export {
  checkTeacherMaps,
  type Teacher,
  type TeacherMapInfo,
  type TeacherBatch,
  type TeacherRequest,
  type TeacherResult,
  type TeacherIdentity,
} from "./teachers/teacher";
export { DetectorTeacher, detectorTeacher, type DetectorTeacherOptions } from "./teachers/detector-teacher";
export { inferBatch } from "./teachers/infer-batch";

// pretrained teachers (COCO-80 TF.js graph models read from npm packages, frozen)
export type {
  PretrainedTeacher,
  TeacherImage,
  TeacherInput,
  TeacherRunOptions,
  TeacherDetections,
  TeacherOutput,
} from "./teachers/pretrained-teacher";
export {
  TEACHERS,
  TEACHER_IDS,
  loadTeacher,
  CenternetConfigSchema,
  NanodetConfigSchema,
  type TeacherId,
  type TeacherConfig,
} from "./teachers/registry";
export {
  GraphTeacher,
  TEACHER_SCORES_PREFIX,
  type GraphTeacherSpec,
  type FeatureTap,
  type RawDetections,
} from "./teachers/graph-teacher";
export {
  centernetSpec,
  decodeCenternet,
  CENTERNET_FEATURES,
  CENTERNET_INPUT,
  CENTERNET_NODES,
  type CenternetDecodeOptions,
} from "./teachers/centernet";
export {
  nanodetSpec,
  decodeNanodet,
  nanodetPreprocess,
  NANODET_FEATURES,
  NANODET_INPUT,
  NANODET_LEVELS,
  NANODET_BINS,
  type NanodetDecodeOptions,
} from "./teachers/nanodet";
export {
  loadGraphModelFile,
  packageModelPath,
  resolvePackageDir,
  TeacherModelError,
} from "./teachers/model-files";
export {
  fitImage,
  inputGeometry,
  unmapBoxes,
  type InputGeometry,
  type ResizeMode,
} from "./teachers/geometry";
export { COCO_CLASS_NAMES, COCO_CATEGORY_IDS } from "./teachers/coco-classes";

// the offline teacher cache
export {
  buildTeacherCache,
  BuildCacheOptionsSchema,
  type SampleBatch,
  type BuildCacheOptionsInput,
  type BuildCacheSources,
  type BuildCacheResult,
} from "./teacher-cache/build";
export {
  TeacherCache,
  openTeacherCache,
  type OpenCacheOptions,
  type CachedDetections,
} from "./teacher-cache/teacher-cache";
export {
  CacheManifestSchema,
  CacheTapSchema,
  CacheSampleSchema,
  TeacherCacheError,
  checkManifest,
  parseManifest,
  CACHE_FORMAT,
  CACHE_VERSION,
  type CacheManifest,
  type CacheExpectation,
} from "./teacher-cache/manifest";
export { datasetFingerprint, inputHash, type FingerprintDataset } from "./teacher-cache/fingerprint";
export {
  encodeFloat16,
  decodeFloat16,
  toFloat16Bits,
  fromFloat16Bits,
  FLOAT16_MAX,
} from "./teacher-cache/float16";

// PyTorch checkpoints (torch.save zip, read without Python) → kdet weights: ultralytics YOLOv8; mmdet RetinaNet, GFL, FCOS, YOLOX
export {
  importCheckpoint,
  importIntoDetector,
  guessModel,
  importableModels,
  mappingFor,
  checkpointClassNames,
  IMPORT_MAPPINGS,
  IMPORT_FORMATS,
  type ImportOptions,
  type ImportResult,
} from "./import/import-checkpoint";
export {
  importStateDict,
  toKdetLayout,
  type ImportFormat,
  type ImportReport,
  type WeightMapping,
  type CheckpointConfig,
} from "./import/weight-mapping";
export { ultralyticsYolov8, YOLOV8_LAYERS } from "./import/ultralytics-yolov8";
export { mmdetRetina } from "./import/mmdet-retina";
export { mmdetGfl } from "./import/mmdet-gfl";
export { mmdetFcos, mmdetConfigText } from "./import/mmdet-fcos";
export { mmdetYolox, mmdetYoloxName } from "./import/mmdet-yolox";
export { mmdetName, mmdetResnetName, mmdetFpnName, mmdetTowerName } from "./import/mmdet-names";
export {
  foldInputNormalization,
  MMDET_IMAGENET_NORM,
  MMDET_YOLOX_INPUT,
  type InputNormalization,
} from "./import/input-normalization";
export {
  readTorchCheckpoint,
  parseTorchCheckpoint,
  MAX_TENSOR_ELEMENTS,
  TORCH_PICKLE_FUNCTIONS,
  type TorchCheckpoint,
} from "./import/torch-checkpoint";
export { extractStateDict, moduleStateDict, type StateDict } from "./import/state-dict";
export { TorchTensor, TORCH_STORAGE_DTYPES, type TorchStorage, type TorchDtype } from "./import/torch-tensor";
export { unpickle, PyObject, PyGlobal, type PyCallable, type UnpickleOptions } from "./import/pickle";
export { CheckpointFormatError, ZipArchive, type ZipEntry } from "./import/zip-archive";
