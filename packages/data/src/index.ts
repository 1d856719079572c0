/**
 * @kdet/data — COCO, PASCAL VOC, FLIR ADAS and YOLO datasets, image decoding, augmentations and batches for kdet.
 * Typed arrays only (no TensorFlow.js): the trainer turns batches into tensors.
 */
export type * from "./types";
export * from "./rng";
export { DataError, ProblemLog, parseWith, type DataErrorInfo } from "./errors";
export { resolveInside, type SafePath } from "./safe-path";
export {
  parseImageHeader,
  readImageHeader,
  sniffFormat,
  type ImageFormat,
  type ImageHeader,
} from "./image-header";
export { decodeImage, defaultDecoder, from16Bit, loadSharp, shrinkSize } from "./image-decode";
export { applyOrientation, boxDownsample, resizeBilinear } from "./resize";
export { composeTransform, identityTransform, invertTransform, mapBoxes, unmapBoxes } from "./box-transform";
export {
  AnnotationBuilder,
  addCheckedBox,
  type BoxFlags,
} from "./annotation-builder";
export { createDataset, emptyReport, sampleFromRecord, type DatasetParts } from "./dataset";
export { ImageCheckSchema, type ImageCheck } from "./image-check";
export * from "./coco-schema";
export { CocoOptionsSchema, loadCoco, type CocoOptions } from "./coco-loader";
export {
  IMAGE_EXTENSIONS,
  labelPathFor,
  loadYolo,
  YoloDataYamlSchema,
  YoloOptionsSchema,
  yoloClassNames,
  type YoloOptions,
} from "./yolo-loader";
export { loadVoc, parseVocXml, VOC_CLASSES, VocOptionsSchema, type VocOptions } from "./voc-loader";
export {
  FLIR_ALIASES,
  FLIR_COMMON_CLASSES,
  FLIR_V1_CATEGORIES,
  FLIR_V2_CLASS_NAMES,
  FlirOptionsSchema,
  flirSplitPaths,
  loadFlir,
  type FlirOptions,
} from "./flir-loader";
export { cocoImageIds, toCocoGt, toCocoResults, writeCocoJson, type ImageDetections } from "./coco-writer";
export {
  fsyncDir,
  writeDirAtomic,
  writeFileAtomic,
  writeFileSynced,
  type AtomicWriteOptions,
} from "./atomic-write";
export {
  concatAnnotations,
  copyAnnotations,
  emptyAnnotations,
  selectBoxes,
} from "./sample-ops";
export { paste, warpScaleTranslate } from "./warp";
export { BoxFilterSchema, clipAndFilterBoxes, type BoxFilter } from "./box-filter";
export { letterbox, letterboxGeometry, LetterboxSchema, type LetterboxOptions } from "./letterbox";
export { FlipSchema, hflip, randomHFlip, type FlipOptions } from "./flip";
export { AffineSchema, drawAffine, randomAffine, type AffineOptions } from "./affine";
export { adjustHsv, HsvSchema, hsvJitter, type HsvOptions } from "./hsv";
export { mosaic4, MosaicSchema, type MosaicOptions } from "./mosaic";
export {
  augmentSample,
  AugmentSchema,
  wantsMosaic,
  type AugmentConfig,
  type AugmentOptions,
} from "./augment";
export {
  BatchOptionsSchema,
  createBatchLoader,
  padTargets,
  stackImages,
  type BatchLoader,
  type BatchOptions,
} from "./batches";
export {
  encodePng,
  generateSynthetic,
  renderSyntheticImage,
  SYNTHETIC_CLASS_NAMES,
  syntheticDataset,
  SyntheticOptionsSchema,
  type SyntheticImage,
  type SyntheticOptions,
} from "./synthetic";
export { SYNTHETIC_CLASSES } from "./synthetic-shapes";
export { formatInspection, inspectDataset, type Inspection } from "./inspect";
export { DATASETS, DatasetConfigSchema, loadDataset, type DatasetConfig, type DatasetType } from "./datasets";
export {
  asUnlabelled,
  countLabelled,
  imageFolderDataset,
  ImageFolderOptionsSchema,
  isLabelled,
  keepLabelledFraction,
  mixedOrder,
  mixLabelledUnlabelled,
  type ImageFolderOptions,
} from "./semi-supervised";
