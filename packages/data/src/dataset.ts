/**
 * The `Dataset` object every loader returns: records without pixels plus lazy, checked image decoding.
 */
import { identityTransform, mapBoxes } from "./box-transform";
import { DataError } from "./errors";
import { decodeImage, shrinkSize } from "./image-decode";
import { copyAnnotations } from "./sample-ops";
import type { Dataset, DatasetFormat, DecodeOptions, Image, LoadReport, Sample, SampleRecord } from "./types";

/** What a loader provides to build a `Dataset`. */
export interface DatasetParts {
  name: string;
  format: DatasetFormat;
  root: string;
  classNames: string[];
  categoryIds: number[];
  records: SampleRecord[];
  report: LoadReport;
  /** Decode options used when `loadImage` is called without options (e.g. FLIR 16-bit handling). */
  decode?: DecodeOptions;
  /** Custom pixel source (in-memory datasets); default: decode `record.file`. */
  readImage?: (record: SampleRecord, index: number, options: DecodeOptions) => Promise<Image>;
}

/**
 * A sample from a record and its decoded image (which may be shrunk): boxes are scaled by
 * (image.width / record.width, image.height / record.height) and `transform` records that scale.
 */
export function sampleFromRecord(rec: SampleRecord, image: Image): Sample {
  const sx = image.width / rec.width;
  const sy = image.height / rec.height;
  const t = { ...identityTransform(rec.width, rec.height), sx, sy };
  return {
    ...copyAnnotations(rec),
    imageId: rec.imageId,
    file: rec.file,
    image,
    boxes: sx === 1 && sy === 1 ? rec.boxes.slice() : mapBoxes(rec.boxes, t),
    transform: t,
  };
}

/** An empty report. */
export function emptyReport(): LoadReport {
  return { problems: [], skippedImages: 0, skippedBoxes: 0, clippedBoxes: 0, skippedEntries: 0 };
}

/**
 * Build a `Dataset`. `loadImage` checks that the decoded size equals the record's size (or its `maxSide`
 * shrink) and throws a `DataError` naming the file otherwise, so boxes never silently land in the wrong place.
 */
export function createDataset(parts: DatasetParts): Dataset {
  if (parts.classNames.length !== parts.categoryIds.length) {
    throw new DataError(
      { op: "create dataset", value: [parts.classNames.length, parts.categoryIds.length] },
      "classNames and categoryIds differ in length",
    );
  }
  const byId = new Map<number, number>();
  parts.categoryIds.forEach((id, k) => byId.set(id, k));
  const defaults = parts.decode ?? {};

  const loadImage = async (i: number, options?: DecodeOptions): Promise<Image> => {
    const rec = parts.records[i];
    if (!rec)
      throw new DataError(
        { op: "load image", entry: i, allowed: `0..${parts.records.length - 1}` },
        `no record ${i} in dataset ${parts.name}`,
      );
    const o = { ...defaults, ...options };
    const img = parts.readImage ? await parts.readImage(rec, i, o) : await decodeImage(rec.file, o);
    const want = shrinkSize(rec.width, rec.height, o.maxSide);
    if (img.width !== want.width || img.height !== want.height) {
      throw new DataError(
        {
          op: "load image",
          file: rec.file || String(rec.imageId),
          value: `${img.width}x${img.height}`,
          allowed: `${want.width}x${want.height}`,
        },
        `decoded image size differs from the annotated size ${rec.width}x${rec.height}${o.maxSide ? ` shrunk to maxSide ${o.maxSide}` : ""} (wrong width/height in the annotations, or an EXIF rotation the annotations did not apply)`,
      );
    }
    return img;
  };

  const loadSample = async (i: number, options?: DecodeOptions): Promise<Sample> =>
    sampleFromRecord(parts.records[i]!, await loadImage(i, options));

  return {
    name: parts.name,
    format: parts.format,
    root: parts.root,
    classNames: parts.classNames,
    categoryIds: parts.categoryIds,
    records: parts.records,
    report: parts.report,
    indexOfCategory: (id) => byId.get(id) ?? -1,
    loadImage,
    loadSample,
  };
}
