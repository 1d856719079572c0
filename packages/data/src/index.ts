/**
 * @kdet/data — COCO, PASCAL VOC, FLIR ADAS and YOLO datasets, image decoding, augmentations and batches for kdet.
 * Typed arrays only (no TensorFlow.js): the trainer turns batches into tensors.
 */
/** The package name. */
export const PACKAGE = "@kdet/data";
export type * from "./types.js";
export * from "./rng.js";
export { DataError, ProblemLog, formatZodIssues, parseWith, showValue, type DataErrorInfo } from "./errors.js";
export { resolveInside, type SafePath } from "./safe-path.js";
export { parseImageHeader, readImageHeader, sniffFormat, type ImageFormat, type ImageHeader } from "./image-header.js";
export { decodeImage, defaultDecoder, from16Bit, loadSharp, shrinkSize } from "./image-decode.js";
export { applyOrientation, boxDownsample, resizeBilinear } from "./resize.js";
export { composeTransform, identityTransform, invertTransform, mapBoxes, unmapBoxes } from "./box-transform.js";
export { AnnotationBuilder, addCheckedBox, DEFAULT_CLIP_TOLERANCE, type BoxFlags } from "./annotation-builder.js";
export { createDataset, emptyReport, sampleFromRecord, type DatasetParts } from "./dataset.js";
export { ImageCheckSchema, type ImageCheck } from "./image-check.js";
export * from "./coco-schema.js";
export { CocoOptionsSchema, loadCoco, type CocoOptions } from "./coco-loader.js";
export { IMAGE_EXTENSIONS, labelPathFor, loadYolo, YoloDataYamlSchema, YoloOptionsSchema, yoloClassNames, type YoloOptions } from "./yolo-loader.js";
export { loadVoc, parseVocXml, VOC_CLASSES, VocOptionsSchema, type VocOptions } from "./voc-loader.js";
export { FLIR_ALIASES, FLIR_COMMON_CLASSES, FLIR_V1_CATEGORIES, FLIR_V2_CLASS_NAMES, FlirOptionsSchema, flirSplitPaths, loadFlir, type FlirOptions } from "./flir-loader.js";
export { cocoImageIds, toCocoGt, toCocoResults, writeCocoJson, type ImageDetections } from "./coco-writer.js";
export { concatAnnotations, copyAnnotations, emptyAnnotations, PER_BOX_FIELDS, selectBoxes } from "./sample-ops.js";
export { DEFAULT_FILL, paste, warpScaleTranslate } from "./warp.js";
export { BoxFilterSchema, clipAndFilterBoxes, type BoxFilter } from "./box-filter.js";
export { letterbox, letterboxGeometry, LetterboxSchema, type LetterboxOptions } from "./letterbox.js";
export { FlipSchema, hflip, randomHFlip, type FlipOptions } from "./flip.js";
export { AffineSchema, drawAffine, randomAffine, type AffineOptions } from "./affine.js";
export { adjustHsv, HsvSchema, hsvJitter, type HsvOptions } from "./hsv.js";
export { mosaic4, MosaicSchema, type MosaicOptions } from "./mosaic.js";
export { augmentSample, AugmentSchema, wantsMosaic, type AugmentConfig, type AugmentOptions } from "./augment.js";
export { BatchOptionsSchema, createBatchLoader, padTargets, stackImages, type BatchLoader, type BatchOptions } from "./batches.js";
export { encodePng, generateSynthetic, renderSyntheticImage, SYNTHETIC_CLASS_NAMES, syntheticDataset, SyntheticOptionsSchema, type SyntheticImage, type SyntheticOptions } from "./synthetic.js";
export { hsvToRgb, SYNTHETIC_CLASSES, textureValue, type ShapeClass, type Texture } from "./synthetic-shapes.js";
export { formatInspection, inspectDataset, SIZE_BIN_EDGES, type Inspection } from "./inspect.js";
export { DATASETS, DatasetConfigSchema, loadDataset, type DatasetConfig, type DatasetType } from "./datasets.js";
