import { z } from "zod";
import {
  CocoCategorySchema,
  CocoGroundTruthSchema,
  CocoImageSchema,
  CocoResultsSchema,
  formatIssuePath,
  type CocoCategory,
  type CocoImage,
} from "./coco-types";
import { EvalInputError } from "./errors";
import { indexOfIds } from "./id-index";
import {
  type AnnotationColumns,
  type ResultColumns,
  ResultsScanner,
  scanGroundTruth,
  scanResults,
} from "./fast-load";
import { ScanBail } from "./json-scan";
import {
  DEFAULT_MAX_INPUT_BYTES,
  decodeText,
  parseJson,
  readInputFile,
  readInputFileStreaming,
} from "./json";

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

/** Options shared by the loaders. */
export interface LoadOptions {
  /** Label used in error messages when the input is not a file path. */
  source?: string;
  /**
   * Largest accepted input file in bytes, after gunzip (default DEFAULT_MAX_INPUT_BYTES, 512 MiB). Larger files
   * (and gzip data expanding past it) are refused with an error before they are read / while decompressing.
   */
  maxInputBytes?: number;
  /**
   * "fast" (default): bytes straight into typed columns (fast-load.ts), falling back to "generic" for anything
   * unusual, so errors and values are the generic ones. "generic": `JSON.parse` + the zod schemas.
   */
  parser?: "fast" | "generic";
}

/** Options of loadResults / parseResults. */
export interface LoadResultsOptions extends LoadOptions {
  /**
   * What to do with results whose category_id is not in the ground-truth `categories`:
   * - "error" (default): reject the input, naming the first such entry;
   * - "drop": keep going like pycocotools, which silently leaves them out of every statistic (a warning is
   *   recorded in `warnings`).
   */
  unknownCategories?: "error" | "drop";
}

/**
 * Loads a COCO ground-truth dict from a file path (.json or gzipped), JSON bytes, or an already-parsed object.
 * Regular files only, at most `maxInputBytes`; see LoadOptions.
 */
export function loadGroundTruth(input: string | Uint8Array | object, opts: LoadOptions = {}): GroundTruth {
  return withOperation("loading ground truth from", () => {
    if (typeof input === "string")
      return groundTruthFromBytes(readInputFile(input, maxBytes(opts)), opts.source ?? input, opts);
    if (input instanceof Uint8Array)
      return groundTruthFromBytes(input, opts.source ?? "<ground truth>", opts);
    return validateGroundTruth(input, opts.source ?? "<ground truth>");
  });
}

/** Parses and validates ground-truth JSON text. */
export function parseGroundTruth(text: string, source = "<ground truth>"): GroundTruth {
  return withOperation("loading ground truth from", () =>
    validateGroundTruth(parseJson(text, source), source),
  );
}

/**
 * Loads a COCO results list (file path, .json or gzipped; JSON bytes; or an array) for the given ground truth.
 * Regular files only, at most `maxInputBytes`; see LoadResultsOptions.
 */
export function loadResults(
  input: string | Uint8Array | readonly unknown[],
  gt: GroundTruth,
  opts: LoadResultsOptions = {},
): Results {
  return withOperation("loading results from", () => {
    if (typeof input === "string") {
      return resultsFromBytes(readInputFile(input, maxBytes(opts)), gt, {
        ...opts,
        source: opts.source ?? input,
      });
    }
    if (input instanceof Uint8Array) {
      return resultsFromBytes(input, gt, { ...opts, source: opts.source ?? "<results>" });
    }
    return validateResults(input, gt, { ...opts, source: opts.source ?? "<results>" });
  });
}

/**
 * loadResults for a file, with gzip content decompressed on libuv's thread pool while the scanner reads the
 * pieces already inflated (on two cores this hides most of gunzip's time). Same results and errors as
 * loadResults.
 */
export async function loadResultsAsync(
  path: string,
  gt: GroundTruth,
  opts: LoadResultsOptions = {},
): Promise<Results> {
  const o = { ...opts, source: opts.source ?? path };
  try {
    const max = maxBytes(opts);
    if ((opts.parser ?? "fast") === "generic") return resultsFromBytes(readInputFile(path, max), gt, o);
    // sized by the first piece's buffer, which gunzip allocated from the size the gzip trailer announces
    let scanner: ResultsScanner | null = null;
    const bytes = await readInputFileStreaming(path, max, (prefix) => {
      scanner ??= new ResultsScanner(prefix.buffer.byteLength);
      scanner.feed(prefix, false);
    });
    return viaScanner(
      bytes,
      o.source,
      opts,
      () => {
        const sc = scanner ?? new ResultsScanner(bytes.length);
        sc.feed(bytes, true);
        return buildResults(sc.result(), gt, o, []);
      },
      (raw) => validateResults(raw, gt, o),
    );
  } catch (e) {
    throw e instanceof EvalInputError ? e.withOperation("loading results from") : e;
  }
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

function maxBytes(opts: LoadOptions): number {
  const m = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (!(Number.isSafeInteger(m) && m > 0)) {
    throw new EvalInputError(`maxInputBytes must be a positive integer, got ${m}`, "options");
  }
  return m;
}

/**
 * The fast scan, else (ScanBail: unusual or invalid JSON) the generic path on the same bytes. A file too large
 * for JSON.parse that the scanner refused gets the scanner's reason with a line and column.
 */
function viaScanner<T>(
  bytes: Uint8Array,
  source: string,
  opts: LoadOptions,
  fast: () => T,
  generic: (raw: unknown) => T,
): T {
  if ((opts.parser ?? "fast") === "fast") {
    try {
      return fast();
    } catch (e) {
      if (!(e instanceof ScanBail)) throw e;
      if (bytes.length > GENERIC_LIMIT.bytes) {
        throw new EvalInputError(
          `cannot load: ${e.reason} at ${lineColumn(bytes, e.at)} (the file is too large for JSON.parse, which would name the entry)`,
          source,
        );
      }
    }
  }
  return generic(parseJson(decodeText(bytes, source), source));
}

/** Largest input the generic path (one string for JSON.parse) takes; a knob for tests. */
export const GENERIC_LIMIT = { bytes: DEFAULT_MAX_INPUT_BYTES };

function lineColumn(b: Uint8Array, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < b.length; i++) {
    if (b[i] === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

function groundTruthFromBytes(bytes: Uint8Array, source: string, opts: LoadOptions): GroundTruth {
  return viaScanner(
    bytes,
    source,
    opts,
    () => {
      const g = scanGroundTruth(bytes);
      const part = (r: readonly [number, number]) =>
        parseJson(decodeText(bytes.subarray(r[0], r[1]), source), source);
      // the annotations passed the scanner, so an issue here is the first one the generic path would report
      const images = check(ImagesSchema, part(g.images), source, "images");
      const categories = check(CategoriesSchema, part(g.categories), source, "categories");
      return buildGroundTruth(source, images, categories, g.ann);
    },
    (raw) => validateGroundTruth(raw, source),
  );
}

function resultsFromBytes(
  bytes: Uint8Array,
  gt: GroundTruth,
  opts: LoadResultsOptions & { source: string },
): Results {
  return viaScanner(
    bytes,
    opts.source,
    opts,
    () => buildResults(scanResults(bytes), gt, opts, []),
    (raw) => validateResults(raw, gt, opts),
  );
}

const ImagesSchema = z.array(CocoImageSchema);
const CategoriesSchema = z.array(CocoCategorySchema);

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
  const anns = data.annotations ?? [];
  const n = anns.length;
  const col = () => new Float64Array(n);
  const c = {
    n,
    id: col(),
    imageId: col(),
    categoryId: col(),
    x: col(),
    y: col(),
    w: col(),
    h: col(),
    area: col(),
    iscrowd: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const a = anns[i]!;
    c.id[i] = a.id;
    c.imageId[i] = a.image_id;
    c.categoryId[i] = a.category_id;
    [c.x[i], c.y[i], c.w[i], c.h[i]] = a.bbox;
    c.area[i] = a.area;
    c.iscrowd[i] = a.iscrowd === 1 || a.iscrowd === true ? 1 : 0;
  }
  return buildGroundTruth(source, data.images, data.categories, c);
}

/** The GroundTruth of validated images, categories and annotation columns, with its warnings. */
function buildGroundTruth(
  source: string,
  images: CocoImage[],
  categories: CocoCategory[],
  ann: AnnotationColumns,
): GroundTruth {
  const warnings: string[] = [];
  const imageIdSet = new Set(images.map((im) => im.id));
  if (imageIdSet.size < images.length)
    warnings.push(`${source}: ${images.length - imageIdSet.size} duplicate image id(s)`);
  const categoryIdSet = new Set(categories.map((c) => c.id));
  const dupCats = duplicates(categories.map((c) => c.id));
  if (dupCats.length > 0) {
    warnings.push(
      `${source}: duplicate category id(s) ${dupCats.slice(0, 5).join(", ")}${dupCats.length > 5 ? ", ..." : ""}; they are evaluated as one category (pycocotools takes the unique ids), named after the last entry`,
    );
  }
  const dupNames = duplicates(categories.flatMap((c) => (c.name === undefined ? [] : [c.name])));
  if (dupNames.length > 0) {
    warnings.push(
      `${source}: duplicate category name(s) ${dupNames
        .slice(0, 5)
        .map((n) => JSON.stringify(n))
        .join(
          ", ",
        )}${dupNames.length > 5 ? ", ..." : ""}; per-class tables will show the same name for different ids`,
    );
  }
  const { n, id, imageId, categoryId } = ann;
  let unknownImage = 0;
  let unknownCat = 0;
  for (let i = 0; i < n; i++) {
    if (!imageIdSet.has(imageId[i]!)) unknownImage++;
    if (!categoryIdSet.has(categoryId[i]!)) unknownCat++;
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
  return { source, images, categories, ann, imageIdSet, categoryIdSet, warnings };
}

/** The values occurring more than once, in order of their second occurrence. */
function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
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
  const col = () => new Float64Array(n);
  const c = { n, imageId: col(), categoryId: col(), x: col(), y: col(), w: col(), h: col(), score: col() };
  for (let i = 0; i < n; i++) {
    const r = list[i]!;
    c.imageId[i] = r.image_id;
    c.categoryId[i] = r.category_id;
    [c.x[i], c.y[i], c.w[i], c.h[i]] = r.bbox;
    c.score[i] = r.score;
  }
  return buildResults(c, gt, opts, warnings);
}

/** Results after loadRes' checks and fields (area = w * h), from validated columns. */
function buildResults(
  c: ResultColumns,
  gt: GroundTruth,
  opts: LoadResultsOptions & { source: string },
  warnings: string[],
): Results {
  const { source } = opts;
  const { n, imageId, categoryId, w, h } = c;
  const area = new Float64Array(n);
  const dropUnknown = opts.unknownCategories === "drop";
  let unknownCategoryCount = 0;
  let firstUnknown = -1;
  // membership through dense id tables (the same answers as the id sets, faster on 10^5-10^6 entries)
  const imgPos = indexOfIds(imageId, [...gt.imageIdSet]);
  const catPos = indexOfIds(categoryId, [...gt.categoryIdSet]);
  for (let i = 0; i < n; i++) {
    if (imgPos[i]! < 0) {
      fail(
        `image_id ${imageId[i]} is not an image of the ground truth ${gt.source} (pycocotools: "Results do not correspond to current coco set")`,
        source,
        `results[${i}].image_id`,
      );
    }
    if (catPos[i]! < 0) {
      if (!dropUnknown) {
        fail(
          `category_id ${categoryId[i]} is not a category of the ground truth ${gt.source} (pycocotools would silently ignore this detection; pass --allow-unknown-cats / unknownCategories: "drop" to do the same)`,
          source,
          `results[${i}].category_id`,
        );
      }
      if (firstUnknown < 0) firstUnknown = i;
      unknownCategoryCount++;
    }
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
  return { source, ...c, area, unknownCategoryCount, warnings };
}
