/**
 * Semi-supervised training sets: a labelled part and an unlabelled part in one `Dataset`, each record flagged
 * (`SampleRecord.labelled === false` for the unlabelled part, whose annotations are empty).
 *
 * - `keepLabelledFraction(ds, fraction, seed)`: a reproducible "x % of the labels" split — the first
 *   `round(fraction·n)` records of a seeded shuffle keep their labels, the others become unlabelled images.
 * - `asUnlabelled(ds)`: every image of any format with its labels dropped.
 * - `imageFolderDataset({dir})`: a plain folder of images (sizes read from the file headers), all unlabelled.
 * - `mixLabelledUnlabelled(labelled, unlabelled)`: one dataset, the labelled records first; class names of the
 *   labelled part.
 * `createBatchLoader(..., {labelledRatio})` then fills every batch with a fixed share of labelled images.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { createDataset, emptyReport } from "./dataset";
import { DataError, parseWith } from "./errors";
import { readImageHeader } from "./image-header";
import { isDir } from "./read-file";
import { createRng, hashSeed, shuffledIndices } from "./rng";
import { emptyAnnotations } from "./sample-ops";
import type { Dataset, SampleRecord } from "./types";
import { IMAGE_EXTENSIONS } from "./yolo-loader";

/** Whether a record is labelled (absent flag = labelled). */
export function isLabelled(r: { labelled?: boolean }): boolean {
  return r.labelled !== false;
}

/** Number of labelled records. */
export function countLabelled(ds: Pick<Dataset, "records">): number {
  return ds.records.reduce((a, r) => a + (isLabelled(r) ? 1 : 0), 0);
}

/** A copy of `ds` whose records are the given ones (pixels still read through `ds`, by the same index). */
function withRecords(ds: Dataset, records: SampleRecord[], name = ds.name): Dataset {
  return createDataset({
    name,
    format: ds.format,
    root: ds.root,
    classNames: ds.classNames,
    categoryIds: ds.categoryIds,
    records,
    report: ds.report,
    readImage: (_rec, i, o) => ds.loadImage(i, o),
  });
}

function unlabelledRecord(r: SampleRecord): SampleRecord {
  return { ...r, ...emptyAnnotations(), labelled: false };
}

/** Every image of `ds` with its labels dropped (flagged unlabelled). */
export function asUnlabelled(ds: Dataset): Dataset {
  return withRecords(ds, ds.records.map(unlabelledRecord), `${ds.name} (unlabelled)`);
}

/**
 * Keep the labels of `round(fraction·n)` records (at least 1 when `fraction > 0`) chosen by a seeded shuffle
 * (`shuffledIndices(n, rng(hashSeed(seed, n)))`, the first ones); the others become unlabelled. The same
 * (dataset, fraction, seed) always gives the same split, and a smaller fraction keeps a subset of a larger one's
 * labelled images (same seed).
 */
export function keepLabelledFraction(ds: Dataset, fraction: number, seed: number): Dataset {
  if (!(fraction >= 0 && fraction <= 1))
    throw new DataError(
      { op: "labelled fraction", value: fraction, allowed: "0..1" },
      "the labelled fraction is a share of the images",
    );
  const n = ds.records.length;
  const keep = fraction === 0 ? 0 : Math.min(n, Math.max(1, Math.round(fraction * n)));
  const order = shuffledIndices(n, createRng(hashSeed(seed, n)));
  const labelled = new Uint8Array(n);
  for (let i = 0; i < keep; i++) labelled[order[i]!] = 1;
  const records = ds.records.map((r, i) => (labelled[i] ? r : unlabelledRecord(r)));
  return withRecords(ds, records, `${ds.name} (${keep}/${n} labelled)`);
}

/** Options of `imageFolderDataset`. */
export const ImageFolderOptionsSchema = z
  .object({
    /** Folder whose image files (jpg, jpeg, png, tif, tiff; not recursive) are read, in name order. */
    dir: z.string().min(1),
  })
  .strict();
/** Input of `imageFolderDataset`. */
export type ImageFolderOptions = z.input<typeof ImageFolderOptionsSchema>;

/** A folder of images without labels: one unlabelled record per image file, no classes. */
export async function imageFolderDataset(options: ImageFolderOptions): Promise<Dataset> {
  const { dir } = parseWith(ImageFolderOptionsSchema, options, "image folder");
  const root = path.resolve(dir);
  if (!(await isDir(root)))
    throw new DataError(
      { op: "image folder", file: root },
      "not a folder (allowed: a folder of image files)",
    );
  const names = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
  if (names.length === 0)
    throw new DataError(
      { op: "image folder", file: root, allowed: IMAGE_EXTENSIONS.join(" ") },
      "no image files in the folder",
    );
  const records: SampleRecord[] = [];
  for (const name of names) {
    const file = path.join(root, name);
    const h = await readImageHeader(file);
    records.push({
      ...emptyAnnotations(),
      imageId: path.parse(name).name,
      file,
      width: h.width,
      height: h.height,
      labelled: false,
    });
  }
  return createDataset({
    name: path.basename(root),
    format: "images",
    root,
    classNames: [],
    categoryIds: [],
    records,
    report: emptyReport(),
  });
}

/**
 * One training set of a labelled and an unlabelled dataset: the labelled part's records (flags kept) followed by
 * the unlabelled part's records as unlabelled; class names and ids of the labelled part.
 */
export function mixLabelledUnlabelled(labelled: Dataset, unlabelled: Dataset): Dataset {
  const nL = labelled.records.length;
  const records = [...labelled.records, ...unlabelled.records.map(unlabelledRecord)];
  return createDataset({
    name: `${labelled.name} + ${unlabelled.name}`,
    format: labelled.format,
    root: labelled.root,
    classNames: labelled.classNames,
    categoryIds: labelled.categoryIds,
    records,
    report: {
      ...labelled.report,
      problems: [...labelled.report.problems, ...unlabelled.report.problems],
    },
    readImage: (_rec, i, o) => (i < nL ? labelled.loadImage(i, o) : unlabelled.loadImage(i - nL, o)),
  });
}

/**
 * The visiting order of one epoch of a mixed set at `labelledRatio`: batches of `batchSize` with
 * `kL = clamp(round(ratio·batchSize), 1, batchSize − 1)` labelled records first, then `batchSize − kL`
 * unlabelled ones. Each part is read as a stream of seeded shuffles (`rng(hashSeed(seed, epoch, part, cycle))`)
 * that restarts with a new shuffle when exhausted; the epoch has `ceil(max(nL / kL, nU / kU))` batches, so the
 * larger part (relative to its share) is visited once. Returns the record indices, `batches·batchSize` of them.
 */
export function mixedOrder(
  labelledFlags: ArrayLike<boolean>,
  batchSize: number,
  labelledRatio: number,
  seed: number,
  epoch: number,
): Int32Array {
  const parts: number[][] = [[], []];
  for (let i = 0; i < labelledFlags.length; i++) parts[labelledFlags[i] ? 0 : 1]!.push(i);
  const [L, U] = parts as [number[], number[]];
  if (L.length === 0 || U.length === 0 || batchSize < 2)
    throw new DataError(
      { op: "mixed batches", value: { labelled: L.length, unlabelled: U.length, batchSize } },
      "labelledRatio needs labelled and unlabelled images and a batch size of at least 2",
    );
  const kL = Math.min(batchSize - 1, Math.max(1, Math.round(labelledRatio * batchSize)));
  const kU = batchSize - kL;
  const batches = Math.ceil(Math.max(L.length / kL, U.length / kU));
  const stream = (pool: number[], part: number) => {
    let cycle = 0;
    let perm = shuffledIndices(pool.length, createRng(hashSeed(seed, epoch, part, cycle)));
    let at = 0;
    return (): number => {
      if (at === pool.length) {
        cycle++;
        perm = shuffledIndices(pool.length, createRng(hashSeed(seed, epoch, part, cycle)));
        at = 0;
      }
      return pool[perm[at++]!]!;
    };
  };
  const nextL = stream(L, 0);
  const nextU = stream(U, 1);
  const out = new Int32Array(batches * batchSize);
  let o = 0;
  for (let b = 0; b < batches; b++) {
    for (let j = 0; j < kL; j++) out[o++] = nextL();
    for (let j = 0; j < kU; j++) out[o++] = nextU();
  }
  return out;
}
