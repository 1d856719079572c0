/**
 * The types every kdet package meets at: images, samples, datasets and batches.
 *
 * Conventions (everywhere inside kdet):
 * - images are HWC, row-major, always 3 channels (RGB); `Uint8Array` holds 0..255, `Float32Array` holds 0..1;
 * - boxes are `xyxy` in absolute pixels of the image they belong to, packed `[x1, y1, x2, y2]` per box in one
 *   `Float32Array` of length `4·n`; pixel `(c, r)` covers `[c, c+1) × [r, r+1)`, so a box covering the whole image
 *   is `[0, 0, W, H]`;
 * - class indices are contiguous `0..K-1`; the dataset's own category ids are kept beside them so results can be
 *   written back in the dataset's ids (COCO `xywh` appears only when reading and writing COCO files).
 */

/** Pixel storage: `Uint8Array` (0..255) or `Float32Array` (0..1, e.g. 16-bit thermal frames). */
export type PixelArray = Uint8Array | Float32Array;

/** An HWC RGB image: `data[(y·width + x)·3 + c]`. */
export interface Image {
  data: PixelArray;
  width: number;
  height: number;
  channels: 3;
}

/** A dataset's own image id: a number (COCO, FLIR) or a string (file stem for VOC and YOLO). */
export type ImageId = number | string;

/** The annotations of one image; all arrays have one entry per box (boxes: 4 per box). */
export interface Annotations {
  /** `[n·4]` xyxy absolute pixels. */
  boxes: Float32Array;
  /** `[n]` contiguous class index `0..K-1`. */
  classes: Int32Array;
  /** `[n]` the dataset's own category id of each box (COCO id, YOLO index, VOC/synthetic `index + 1`). */
  categoryIds: Int32Array;
  /** `[n]` 1 for COCO crowd regions. */
  iscrowd: Uint8Array;
  /** `[n]` 1 for PASCAL VOC `difficult` objects. */
  difficult: Uint8Array;
  /** `[n]` 1 for PASCAL VOC `truncated` objects (information only; boxes are kept). */
  truncated: Uint8Array;
  /** `[n]` 1 when the box must count neither as positive nor as negative (crowd, difficult, explicit ignore). */
  ignore: Uint8Array;
}

/** One image of a dataset, without pixels: where it is, its original size and its annotations. */
export interface SampleRecord extends Annotations {
  /** The dataset's own image id. */
  imageId: ImageId;
  /** Absolute path of the image file (empty for in-memory datasets). */
  file: string;
  /** Original image width and height in pixels (after EXIF orientation). */
  width: number;
  height: number;
  /**
   * `false` for an image of the unlabelled part of a semi-supervised set (its annotations are empty and must not
   * be read as "no objects"); absent or `true` = labelled.
   */
  labelled?: boolean;
}

/**
 * The axis-aligned map from original image coordinates to the current image:
 * `x' = sx·x + tx`, `y' = sy·y + ty` (a horizontal flip has `sx < 0`).
 * `origWidth`/`origHeight` are the original image size, so predictions can be mapped back and clipped.
 */
export interface BoxTransform {
  sx: number;
  sy: number;
  tx: number;
  ty: number;
  origWidth: number;
  origHeight: number;
}

/**
 * A decoded (and possibly augmented) image with its annotations, in the coordinates of `image`.
 * `transform` maps original image coordinates to `image`; it is `null` after mosaic (four sources).
 */
export interface Sample extends Annotations {
  imageId: ImageId;
  file: string;
  image: Image;
  transform: BoxTransform | null;
}

/** Which format a dataset was read from. */
export type DatasetFormat = "coco" | "voc" | "flir" | "yolo" | "synthetic" | "images";

/** What a loader did about one bad entry (see `LoadReport`). */
export type ProblemAction = "skipped-image" | "skipped-box" | "clipped-box" | "skipped-entry" | "note";

/** One problem found while loading: file, entry and field, the bad value, and what was done about it. */
export interface Problem {
  kind: string;
  file: string;
  entry?: string | number;
  field?: string;
  value?: unknown;
  message: string;
  action: ProblemAction;
}

/** Everything a loader skipped or changed, so nothing happens silently. */
export interface LoadReport {
  problems: Problem[];
  skippedImages: number;
  skippedBoxes: number;
  clippedBoxes: number;
  skippedEntries: number;
}

/** How 16-bit images become pixels: `/65535` as float, per-image min–max stretch as float, or `>> 8` as uint8. */
export type HighBitDepth = "float" | "stretch" | "uint8";

/** Image decoder choice: `sharp` (native libvips) or `js` (jpeg-js / pngjs / utif). */
export type DecoderName = "sharp" | "js";

/** Options for decoding image files. */
export interface DecodeOptions {
  decoder?: DecoderName;
  /** Apply the EXIF orientation tag (default true). */
  autoOrient?: boolean;
  highBitDepth?: HighBitDepth;
  /** Resize (aspect kept) so that the longer side is at most this many pixels. */
  maxSide?: number;
  /**
   * Accept files the decoder only warns about (e.g. "extraneous bytes before marker"); default false, so a
   * truncated JPEG — a warning in libjpeg — fails loudly instead of decoding with a grey bottom.
   */
  tolerant?: boolean;
}

/** A loaded dataset: class names, category-id mapping, records without pixels, and lazy image loading. */
export interface Dataset {
  name: string;
  format: DatasetFormat;
  /** Folder the dataset was read from (paths in records are absolute). */
  root: string;
  /** `classNames[k]` is the name of class index k. */
  classNames: string[];
  /** `categoryIds[k]` is the dataset's own category id of class index k. */
  categoryIds: number[];
  records: SampleRecord[];
  report: LoadReport;
  /** Class index of one of the dataset's own category ids, or -1. */
  indexOfCategory(categoryId: number): number;
  /** Decode the image of record `i` (3 channels, oriented, at its original size unless `maxSide` is given). */
  loadImage(i: number, options?: DecodeOptions): Promise<Image>;
  /** Decode record `i` into a `Sample` whose boxes are in the decoded image's coordinates. */
  loadSample(i: number, options?: DecodeOptions): Promise<Sample>;
}

/** One image of a batch: its annotations in batch coordinates and the map back to the original image. */
export interface BatchItem extends Annotations {
  /** Record index in the dataset. */
  index: number;
  imageId: ImageId;
  file: string;
  /** Original image → batch image; `null` after mosaic. */
  transform: BoxTransform | null;
  /** `false` for an unlabelled image (its detection loss is masked out; absent = labelled); see `SampleRecord.labelled`. */
  labelled?: boolean;
}

/** A batch: NHWC images `[B, H, W, 3]` (float32 0..1 or uint8) and one `BatchItem` per image. */
export interface Batch {
  images: PixelArray;
  batchSize: number;
  height: number;
  width: number;
  items: BatchItem[];
}
