import type { z } from "zod";
import {
  CocoGroundTruthSchema,
  CocoResultsSchema,
  formatIssuePath,
  type CocoCategory,
  type CocoImage,
} from "./coco-types";
import { EvalInputError } from "./errors";
import { parseJson, readJsonFile } from "./json";

/**
 * A validated COCO ground truth, stored column-wise (typed arrays, file order). Loading follows pycocotools'
 * `COCO` class: images, categories and annotations are kept in file order; see group.ts for the duplicate
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

/** Options of loadResults / parseResults. */
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
  return withOperation("loading ground truth from", () =>
    typeof input === "string"
      ? validateGroundTruth(readJsonFile(input), opts.source ?? input)
      : validateGroundTruth(input, opts.source ?? "<ground truth>"),
  );
}

/** Parses and validates ground-truth JSON text. */
export function parseGroundTruth(text: string, source = "<ground truth>"): GroundTruth {
  return withOperation("loading ground truth from", () =>
    validateGroundTruth(parseJson(text, source), source),
  );
}

/** Loads a COCO results list (file path, .json or gzipped, or an array) for the given ground truth. */
export function loadResults(
  input: string | readonly unknown[],
  gt: GroundTruth,
  opts: LoadResultsOptions = {},
): Results {
  return withOperation("loading results from", () =>
    typeof input === "string"
      ? validateResults(readJsonFile(input), gt, { ...opts, source: opts.source ?? input })
      : validateResults(input, gt, { ...opts, source: opts.source ?? "<results>" }),
  );
}

/** Parses and validates results JSON text. */
export function parseResults(text: string, gt: GroundTruth, opts: LoadResultsOptions = {}): Results {
  const source = opts.source ?? "<results>";
  return withOperation("loading results from", () =>
    validateResults(parseJson(text, source), gt, { ...opts, source }),
  );
}

function withOperation<T>(operation: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof EvalInputError ? e.withOperation(operation) : e;
  }
}

// ---------------------------------------------------------------------------------------------------------------

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** zod parse; the first issue becomes an EvalInputError naming the file and the JSON path. */
function check<T>(schema: z.ZodType<T>, raw: unknown, source: string, root: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  return fail(issue.message, source, issue.path.length ? formatIssuePath(issue.path, root) : "");
}

function fail(message: string, source: string, path = ""): never {
  throw new EvalInputError(message, source, path);
}

function validateGroundTruth(raw: unknown, source: string): GroundTruth {
  if (Array.isArray(raw))
    fail(
      "expected a COCO ground-truth object {images, annotations, categories}, got an array (a results list?)",
      source,
    );
  const data = check(CocoGroundTruthSchema, raw, source, "");
  const { images, categories } = data;
  const anns = data.annotations ?? [];
  const warnings: string[] = [];
  const imageIdSet = new Set(images.map((im) => im.id));
  if (imageIdSet.size < images.length)
    warnings.push(`${source}: ${images.length - imageIdSet.size} duplicate image id(s)`);
  const categoryIdSet = new Set(categories.map((c) => c.id));
  if (categoryIdSet.size < categories.length) {
    warnings.push(`${source}: ${categories.length - categoryIdSet.size} duplicate category id(s)`);
  }
  const n = anns.length;
  const id = new Float64Array(n);
  const imageId = new Float64Array(n);
  const categoryId = new Float64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const h = new Float64Array(n);
  const area = new Float64Array(n);
  const iscrowd = new Uint8Array(n);
  let unknownImage = 0;
  let unknownCat = 0;
  for (let i = 0; i < n; i++) {
    const a = anns[i]!;
    id[i] = a.id;
    imageId[i] = a.image_id;
    categoryId[i] = a.category_id;
    [x[i], y[i], w[i], h[i]] = a.bbox;
    area[i] = a.area;
    iscrowd[i] = a.iscrowd === 1 || a.iscrowd === true ? 1 : 0;
    if (!imageIdSet.has(a.image_id)) unknownImage++;
    if (!categoryIdSet.has(a.category_id)) unknownCat++;
  }
  if (unknownImage > 0) {
    warnings.push(
      `${source}: ${unknownImage} annotation(s) refer to an image_id not in images; they are not evaluated`,
    );
  }
  if (unknownCat > 0) {
    warnings.push(
      `${source}: ${unknownCat} annotation(s) have a category_id not in categories; they are not evaluated`,
    );
  }
  const ids = new Set<number>(id);
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
    images,
    categories,
    ann: { n, id, imageId, categoryId, x, y, w, h, area, iscrowd },
    imageIdSet,
    categoryIdSet,
    warnings,
  };
}

function validateResults(
  raw: unknown,
  gt: GroundTruth,
  opts: LoadResultsOptions & { source: string },
): Results {
  const source = opts.source;
  const warnings: string[] = [];
  if (isObj(raw) && Array.isArray(raw["annotations"])) {
    // A COCO-style dict holding the detections (some tools write this); pycocotools' loadRes wants the list.
    const first: unknown = raw["annotations"][0];
    if (isObj(first) && first["score"] === undefined) {
      fail(
        "expected a JSON array of results [{image_id, category_id, bbox, score}, ...], got a COCO dict whose annotations have no score (a ground-truth file?)",
        source,
      );
    }
    warnings.push(
      `${source}: a COCO dict was given as results; its "annotations" list is used as the results list`,
    );
    raw = raw["annotations"];
  }
  const list = check(CocoResultsSchema, raw, source, "results");
  const n = list.length;
  const imageId = new Float64Array(n);
  const categoryId = new Float64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const h = new Float64Array(n);
  const score = new Float64Array(n);
  const area = new Float64Array(n);
  const dropUnknown = opts.unknownCategories === "drop";
  let unknownCategoryCount = 0;
  let firstUnknown = -1;
  for (let i = 0; i < n; i++) {
    const r = list[i]!;
    if (!gt.imageIdSet.has(r.image_id)) {
      fail(
        `image_id ${r.image_id} is not an image of the ground truth ${gt.source} (pycocotools: "Results do not correspond to current coco set")`,
        source,
        `results[${i}].image_id`,
      );
    }
    if (!gt.categoryIdSet.has(r.category_id)) {
      if (!dropUnknown) {
        fail(
          `category_id ${r.category_id} is not a category of the ground truth ${gt.source} (pycocotools would silently ignore this detection; pass --allow-unknown-cats / unknownCategories: "drop" to do the same)`,
          source,
          `results[${i}].category_id`,
        );
      }
      if (firstUnknown < 0) firstUnknown = i;
      unknownCategoryCount++;
    }
    imageId[i] = r.image_id;
    categoryId[i] = r.category_id;
    [x[i], y[i], w[i], h[i]] = r.bbox;
    score[i] = r.score;
    area[i] = w[i]! * h[i]!; // loadRes: area = w * h, whatever the file says
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
  return { source, n, imageId, categoryId, x, y, w, h, score, area, unknownCategoryCount, warnings };
}
