import { EvalInputError, describeValue } from "./errors";
import { parseJson, readJsonFile } from "./json";
import type { CocoCategory, CocoImage } from "./coco-types";

/**
 * A validated COCO ground truth, stored column-wise (typed arrays, file order). Loading follows pycocotools'
 * `COCO` class: images, categories and annotations are kept in file order; see evaluate.ts for the duplicate
 * annotation-id semantics.
 */
export interface GroundTruth {
  /** The file name, or the label given for an in-memory object. */
  readonly source: string;
  readonly images: readonly CocoImage[];
  readonly categories: readonly CocoCategory[];
  /** Annotations, column-wise, in file order. */
  readonly ann: {
    readonly n: number;
    readonly id: Float64Array;
    readonly imageId: Float64Array;
    readonly categoryId: Float64Array;
    readonly x: Float64Array;
    readonly y: Float64Array;
    readonly w: Float64Array;
    readonly h: Float64Array;
    /** The `area` field (it decides the size ranges, not w*h). */
    readonly area: Float64Array;
    /** iscrowd (0/1); it is also the ignore flag: any `ignore` field is overwritten by iscrowd, as in pycocotools. */
    readonly iscrowd: Uint8Array;
  };
  readonly imageIdSet: ReadonlySet<number>;
  readonly categoryIdSet: ReadonlySet<number>;
  /** Non-fatal oddities (duplicate ids, annotations on unknown images, ...), one sentence each. */
  readonly warnings: string[];
}

/**
 * Detections after pycocotools' `loadRes` (bbox branch): id = position + 1, area = w*h, iscrowd = 0.
 * Column-wise, in file order.
 */
export interface Results {
  readonly source: string;
  readonly n: number;
  readonly imageId: Float64Array;
  readonly categoryId: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  readonly score: Float64Array;
  /** w*h, as loadRes sets it (any given `area` is overwritten). */
  readonly area: Float64Array;
  /** Number of entries whose category is not in the ground truth (kept; evaluation drops them like pycocotools). */
  readonly unknownCategoryCount: number;
  readonly warnings: string[];
}

export interface LoadResultsOptions {
  /** Label used in error messages when `input` is not a file path. Default "<results>". */
  source?: string;
  /**
   * What to do with results whose category_id is not in the ground-truth `categories`:
   * - "error" (default): reject the input, naming the first such entry;
   * - "drop": keep going like pycocotools, which silently leaves them out of every statistic (a warning is
   *   recorded in `warnings`).
   */
  unknownCategories?: "error" | "drop";
}

/** Loads a COCO ground-truth dict from a file path (.json or gzipped) or from an already-parsed object. */
export function loadGroundTruth(input: string | object, opts: { source?: string } = {}): GroundTruth {
  if (typeof input === "string") return validateGroundTruth(readJsonFile(input), opts.source ?? input);
  return validateGroundTruth(input, opts.source ?? "<ground truth>");
}

/** Parses and validates ground-truth JSON text. */
export function parseGroundTruth(text: string, source = "<ground truth>"): GroundTruth {
  return validateGroundTruth(parseJson(text, source), source);
}

/** Loads a COCO results list (file path, .json or gzipped, or an array) for the given ground truth. */
export function loadResults(input: string | readonly unknown[], gt: GroundTruth, opts: LoadResultsOptions = {}): Results {
  if (typeof input === "string") return validateResults(readJsonFile(input), gt, { ...opts, source: opts.source ?? input });
  return validateResults(input, gt, { ...opts, source: opts.source ?? "<results>" });
}

/** Parses and validates results JSON text. */
export function parseResults(text: string, gt: GroundTruth, opts: LoadResultsOptions = {}): Results {
  const source = opts.source ?? "<results>";
  return validateResults(parseJson(text, source), gt, { ...opts, source });
}

// ---------------------------------------------------------------------------------------------------------------

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown, source: string, path: string, what = "a finite number"): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new EvalInputError(`expected ${what}, got ${describeValue(v)}`, source, path);
  }
  return v;
}

function box(v: unknown, source: string, path: string, out: Float64Array[], i: number): void {
  if (!Array.isArray(v) || v.length !== 4) {
    throw new EvalInputError(`expected [x, y, width, height] (4 numbers), got ${describeValue(v)}`, source, path);
  }
  const names = ["x", "y", "width", "height"];
  for (let j = 0; j < 4; j++) {
    const c = v[j];
    if (typeof c !== "number" || !Number.isFinite(c) || (j >= 2 && c < 0)) {
      const what = j >= 2 ? `a finite number >= 0 for the box ${names[j]}` : `a finite number for the box ${names[j]}`;
      throw new EvalInputError(`expected ${what}, got ${describeValue(c)}`, source, `${path}[${j}]`);
    }
    out[j]![i] = c;
  }
}

function validateGroundTruth(raw: unknown, source: string): GroundTruth {
  if (!isObj(raw)) {
    const hint = Array.isArray(raw) ? " (this looks like a results list, not a ground-truth dict)" : "";
    throw new EvalInputError(`expected a COCO ground-truth object with images, annotations and categories, got ${describeValue(raw)}${hint}`, source);
  }
  const warnings: string[] = [];
  const images = raw["images"];
  if (!Array.isArray(images)) throw new EvalInputError(`expected an array, got ${describeValue(images)}`, source, "images");
  const categories = raw["categories"];
  if (!Array.isArray(categories)) {
    throw new EvalInputError(`expected an array, got ${describeValue(categories)}`, source, "categories");
  }
  let anns = raw["annotations"];
  if (anns === undefined) anns = [];
  if (!Array.isArray(anns)) throw new EvalInputError(`expected an array, got ${describeValue(anns)}`, source, "annotations");

  const imageIdSet = new Set<number>();
  for (let i = 0; i < images.length; i++) {
    const im: unknown = images[i];
    if (!isObj(im)) throw new EvalInputError(`expected an object, got ${describeValue(im)}`, source, `images[${i}]`);
    imageIdSet.add(num(im["id"], source, `images[${i}].id`));
  }
  if (imageIdSet.size < images.length) warnings.push(`${source}: ${images.length - imageIdSet.size} duplicate image id(s)`);
  const categoryIdSet = new Set<number>();
  for (let i = 0; i < categories.length; i++) {
    const c: unknown = categories[i];
    if (!isObj(c)) throw new EvalInputError(`expected an object, got ${describeValue(c)}`, source, `categories[${i}]`);
    categoryIdSet.add(num(c["id"], source, `categories[${i}].id`));
  }
  if (categoryIdSet.size < categories.length) {
    warnings.push(`${source}: ${categories.length - categoryIdSet.size} duplicate category id(s)`);
  }

  const n = anns.length;
  const id = new Float64Array(n);
  const imageId = new Float64Array(n);
  const categoryId = new Float64Array(n);
  const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const area = new Float64Array(n);
  const iscrowd = new Uint8Array(n);
  let unknownImage = 0;
  let unknownCat = 0;
  for (let i = 0; i < n; i++) {
    const a: unknown = anns[i];
    const p = `annotations[${i}]`;
    if (!isObj(a)) throw new EvalInputError(`expected an object, got ${describeValue(a)}`, source, p);
    id[i] = num(a["id"], source, `${p}.id`);
    imageId[i] = num(a["image_id"], source, `${p}.image_id`);
    categoryId[i] = num(a["category_id"], source, `${p}.category_id`);
    box(a["bbox"], source, `${p}.bbox`, cols, i);
    const ar = a["area"];
    if (ar === undefined) {
      throw new EvalInputError("the area field is required for bbox evaluation (pycocotools raises a KeyError)", source, `${p}.area`);
    }
    area[i] = num(ar, source, `${p}.area`);
    const c = a["iscrowd"];
    if (c === undefined) {
      throw new EvalInputError("the iscrowd field is required for bbox evaluation (pycocotools raises a KeyError)", source, `${p}.iscrowd`);
    }
    if (c === 0 || c === false) iscrowd[i] = 0;
    else if (c === 1 || c === true) iscrowd[i] = 1;
    else throw new EvalInputError(`expected 0 or 1, got ${describeValue(c)}`, source, `${p}.iscrowd`);
    if (!imageIdSet.has(imageId[i]!)) unknownImage++;
    if (!categoryIdSet.has(categoryId[i]!)) unknownCat++;
  }
  if (unknownImage > 0) {
    warnings.push(`${source}: ${unknownImage} annotation(s) refer to an image_id not in images; they are not evaluated`);
  }
  if (unknownCat > 0) {
    warnings.push(`${source}: ${unknownCat} annotation(s) have a category_id not in categories; they are not evaluated`);
  }
  const ids = new Set<number>();
  for (let i = 0; i < n; i++) ids.add(id[i]!);
  if (ids.size < n) {
    warnings.push(
      `${source}: ${n - ids.size} duplicate annotation id(s); like pycocotools, the last annotation with a given id replaces the earlier ones (which are lost) and is counted once per occurrence`,
    );
  }
  if (ids.has(0)) {
    warnings.push(
      `${source}: an annotation has id 0; pycocotools cannot tell a match to it from "no match", so a detection matching it counts as a false positive (reproduced)`,
    );
  }
  return {
    source,
    images: images as CocoImage[],
    categories: categories as CocoCategory[],
    ann: { n, id, imageId, categoryId, x: cols[0]!, y: cols[1]!, w: cols[2]!, h: cols[3]!, area, iscrowd },
    imageIdSet,
    categoryIdSet,
    warnings,
  };
}

function validateResults(raw: unknown, gt: GroundTruth, opts: LoadResultsOptions & { source: string }): Results {
  const source = opts.source;
  const warnings: string[] = [];
  if (isObj(raw) && Array.isArray(raw["annotations"])) {
    // A COCO-style dict holding the detections (some tools write this); pycocotools' loadRes wants the list.
    const first: unknown = raw["annotations"][0];
    if (isObj(first) && first["score"] === undefined) {
      throw new EvalInputError(
        "expected a JSON array of results [{image_id, category_id, bbox, score}, ...], got a COCO dict whose annotations have no score (a ground-truth file?)",
        source,
      );
    }
    warnings.push(`${source}: a COCO dict was given as results; its "annotations" list is used as the results list`);
    raw = raw["annotations"];
  }
  if (!Array.isArray(raw)) {
    throw new EvalInputError(`expected a JSON array of results [{image_id, category_id, bbox, score}, ...], got ${describeValue(raw)}`, source);
  }
  const n = raw.length;
  const imageId = new Float64Array(n);
  const categoryId = new Float64Array(n);
  const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const score = new Float64Array(n);
  const area = new Float64Array(n);
  const dropUnknown = opts.unknownCategories === "drop";
  let unknownCategoryCount = 0;
  let firstUnknown = -1;
  for (let i = 0; i < n; i++) {
    const r: unknown = raw[i];
    const p = `results[${i}]`;
    if (!isObj(r)) throw new EvalInputError(`expected an object {image_id, category_id, bbox, score}, got ${describeValue(r)}`, source, p);
    const im = num(r["image_id"], source, `${p}.image_id`);
    if (!gt.imageIdSet.has(im)) {
      throw new EvalInputError(
        `image_id ${im} is not an image of the ground truth ${gt.source} (pycocotools: "Results do not correspond to current coco set")`,
        source,
        `${p}.image_id`,
      );
    }
    imageId[i] = im;
    const cat = num(r["category_id"], source, `${p}.category_id`);
    if (!gt.categoryIdSet.has(cat)) {
      if (!dropUnknown) {
        throw new EvalInputError(
          `category_id ${cat} is not a category of the ground truth ${gt.source} (pycocotools would silently ignore this detection; pass --allow-unknown-cats / unknownCategories: "drop" to do the same)`,
          source,
          `${p}.category_id`,
        );
      }
      if (firstUnknown < 0) firstUnknown = i;
      unknownCategoryCount++;
    }
    categoryId[i] = cat;
    if (r["bbox"] === undefined) {
      throw new EvalInputError("the bbox field is required (only bbox results are supported)", source, `${p}.bbox`);
    }
    box(r["bbox"], source, `${p}.bbox`, cols, i);
    const s = r["score"];
    if (typeof s !== "number" || !Number.isFinite(s) || s < 0) {
      throw new EvalInputError(`expected a finite number >= 0, got ${describeValue(s)}`, source, `${p}.score`);
    }
    score[i] = s;
    area[i] = cols[2]![i]! * cols[3]![i]!;
  }
  if (n === 0) {
    warnings.push(
      `${source}: the results list is empty (pycocotools raises an IndexError here); every category with ground truth gets AP = AR = 0, size ranges without ground truth -1`,
    );
  }
  if (unknownCategoryCount > 0) {
    warnings.push(
      `${source}: ${unknownCategoryCount} result(s) have a category_id not in the ground truth (first: results[${firstUnknown}]); they are ignored, as pycocotools does`,
    );
  }
  return {
    source,
    n,
    imageId,
    categoryId,
    x: cols[0]!,
    y: cols[1]!,
    w: cols[2]!,
    h: cols[3]!,
    score,
    area,
    unknownCategoryCount,
    warnings,
  };
}
