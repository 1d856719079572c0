import { JsonScanner, ScanBail, keyTable, quotedKeyTable } from "./json-scan";

/**
 * The fast path of the COCO loaders: UTF-8 bytes straight into typed columns, no JS object per entry (on a
 * 500k-detection results file, 2.5-3.5x less time than `JSON.parse` + zod with gunzip included, and no parsed
 * objects on the heap: peak RSS of kdet-eval 194 MiB instead of 443 MiB). It accepts only the plain,
 * valid shape (the fields the evaluation reads, each once, with valid values; any other fields are skipped after
 * a grammar check). Everything else throws `ScanBail`, and load.ts falls back to the generic path
 * (`JSON.parse` + the zod schemas), which gives the value (valid but unusual JSON: duplicate keys, escaped keys)
 * or the error message naming the entry and field. So both paths give the same columns, bit for bit, or the
 * same error (tested on every evaluation case and on random documents in fast-load.test.ts).
 */

/** Growable Float64 columns; `take()` returns exactly n entries. */
class Cols {
  n = 0;
  cap: number;
  readonly data: Float64Array[];
  constructor(count: number, cap: number) {
    this.cap = Math.max(16, cap);
    this.data = Array.from({ length: count }, () => new Float64Array(this.cap));
  }
  /** Doubles the capacity (the column arrays are replaced: callers re-read `data`). */
  grow(): void {
    this.cap *= 2;
    for (let j = 0; j < this.data.length; j++) {
      const a = new Float64Array(this.cap);
      a.set(this.data[j]!);
      this.data[j] = a;
    }
  }
  /** The n rows: views when at least half the capacity is used (no copy), else compact copies. */
  take(): Float64Array[] {
    return this.data.map((a) => (2 * this.n >= this.cap ? a.subarray(0, this.n) : a.slice(0, this.n)));
  }
}

type F7 = [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
type F9 = [...F7, Float64Array, Float64Array];

/** Results columns, in file order, before the checks against the ground truth. */
export interface ResultColumns {
  readonly n: number;
  readonly imageId: Float64Array;
  readonly categoryId: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  readonly score: Float64Array;
}

/** Reads `[x, y, w, h]` into column slot i (w, h >= 0, all finite). */
function box(s: JsonScanner, x: Float64Array, y: Float64Array, w: Float64Array, h: Float64Array, i: number) {
  s.expect(91);
  s.numberTo(x, i);
  s.expect(44);
  s.numberTo(y, i);
  s.expect(44);
  s.numberTo(w, i);
  s.expect(44);
  s.numberTo(h, i);
  s.expect(93);
  const wi = w[i]!;
  const hi = h[i]!;
  if (
    !(
      Number.isFinite(x[i]!) &&
      Number.isFinite(y[i]!) &&
      wi >= 0 &&
      wi < Infinity &&
      hi >= 0 &&
      hi < Infinity
    )
  )
    s.bail("bad box");
}

/** A finite number (zod's `z.number()`) into out[i]. */
function finiteNumber(s: JsonScanner, out: Float64Array, i: number): void {
  s.numberTo(out, i);
  if (!Number.isFinite(out[i]!)) s.bail("not a finite number");
}

const RESULT_KEY_NAMES = ["image_id", "category_id", "bbox", "score"];
const RESULT_KEYS = keyTable(RESULT_KEY_NAMES);
/** The same keys quoted: the n-th member is first tried as the n-th key (the order COCO tools write). */
const RESULT_QUOTED = quotedKeyTable(RESULT_KEY_NAMES);
const ANNOTATION_KEYS = keyTable(["id", "image_id", "category_id", "bbox", "area", "iscrowd"]);
const GT_KEYS = keyTable(["images", "categories", "annotations"]);

/**
 * A COCO results list `[{image_id, category_id, bbox, score}, ...]` into columns. Throws ScanBail for anything
 * but the plain valid shape (see the module comment).
 */
export function scanResults(bytes: Uint8Array): ResultColumns {
  const r = new ResultsScanner(bytes.length);
  r.feed(bytes, true);
  return r.result();
}

/**
 * scanResults over a document that arrives in pieces (e.g. from a gunzip stream, so that decompression and
 * scanning overlap): `feed(prefix, false)` with the bytes received so far scans every complete entry and stops
 * before the first one that is incomplete; `feed(all, true)` finishes (and throws ScanBail for invalid or
 * unusual input, like scanResults). Entries are atomic: an entry that fails before the end of the data is simply
 * scanned again when more bytes arrive, so the result does not depend on how the document was cut.
 */
export class ResultsScanner {
  private readonly cols: Cols;
  /** Committed byte offset: after the '[' or after the last complete entry. */
  private p = 0;
  /** 0: before '['; 1: after '['; 2: after an entry; 3: after ']'. */
  private state = 0;
  private done = false;

  constructor(sizeHint: number) {
    this.cols = new Cols(7, Math.ceil(sizeHint / 64));
  }

  feed(bytes: Uint8Array, final: boolean): void {
    if (this.done) throw new Error("ResultsScanner: fed after the final piece");
    const s = new JsonScanner(bytes);
    s.p = this.p;
    const cols = this.cols;
    try {
      if (this.state === 0) {
        s.expect(91);
        this.state = s.empty(93) ? 3 : 1;
        this.p = s.p;
      }
      while (this.state === 1 || this.state === 2) {
        if (this.state === 2 && !s.next(93)) {
          this.state = 3;
          this.p = s.p;
          break;
        }
        this.entry(s);
        this.state = 2;
        this.p = s.p;
        this.committedN = cols.n;
      }
      if (final) s.end();
    } catch (e) {
      if (final || !(e instanceof ScanBail)) throw e;
      cols.n = this.committedN; // an incomplete entry: scanned again with more data
      return;
    }
    if (final) this.done = true;
  }

  /** Rows of the complete entries. */
  private committedN = 0;

  /** One `{...}` entry into the next row (rows beyond the committed ones are dropped on a retry). */
  private entry(s: JsonScanner): void {
    const cols = this.cols;
    if (cols.n === cols.cap) cols.grow();
    const d = cols.data as F7;
    const imageId = d[0];
    const categoryId = d[1];
    const score = d[6];
    const i = cols.n++;
    s.expect(123);
    let seen = 0;
    let nth = 0;
    if (!s.empty(125)) {
      do {
        let key: number;
        if (nth < 4 && s.quotedKey(RESULT_QUOTED[nth]!)) key = nth;
        else {
          s.plainKey();
          key = s.keyIndex(RESULT_KEYS);
        }
        nth++;
        if (key === 0) finiteNumber(s, imageId, i);
        else if (key === 1) finiteNumber(s, categoryId, i);
        else if (key === 2) box(s, d[2], d[3], d[4], d[5], i);
        else if (key === 3) {
          s.numberTo(score, i);
          const v = score[i]!;
          if (!(v >= 0 && v < Infinity)) s.bail("bad score");
        } else s.skipValue();
        const bit = key < 0 ? 0 : 1 << key;
        if (seen & bit) s.bail("duplicate key");
        seen |= bit;
      } while (s.next(125));
    }
    if (seen !== 15) s.bail("missing field");
  }

  /** The columns, once the final piece was fed. */
  result(): ResultColumns {
    if (!this.done) throw new Error("ResultsScanner: result() before the final piece");
    const [imageId, categoryId, x, y, w, h, score] = this.cols.take() as F7;
    return { n: this.cols.n, imageId, categoryId, x, y, w, h, score };
  }
}

/** Ground-truth annotation columns, in file order. */
export interface AnnotationColumns {
  readonly n: number;
  readonly id: Float64Array;
  readonly imageId: Float64Array;
  readonly categoryId: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  readonly area: Float64Array;
  readonly iscrowd: Uint8Array;
}

/** A scanned ground truth: the annotations as columns; images and categories as byte ranges for JSON.parse. */
export interface ScannedGroundTruth {
  readonly images: readonly [number, number];
  readonly categories: readonly [number, number];
  readonly ann: AnnotationColumns;
}

function scanAnnotations(s: JsonScanner, sizeHint: number): AnnotationColumns {
  const cols = new Cols(9, sizeHint);
  s.expect(91);
  if (!s.empty(93)) {
    const d = cols.data;
    let [id, imageId, categoryId, x, y, w, h, area, crowd] = d as F9;
    do {
      if (cols.n === cols.cap) {
        cols.grow();
        [id, imageId, categoryId, x, y, w, h, area, crowd] = d as F9;
      }
      const i = cols.n++;
      s.expect(123);
      let seen = 0;
      if (!s.empty(125)) {
        do {
          s.plainKey();
          const key = s.keyIndex(ANNOTATION_KEYS);
          if (key === 0) finiteNumber(s, id, i);
          else if (key === 1) finiteNumber(s, imageId, i);
          else if (key === 2) finiteNumber(s, categoryId, i);
          else if (key === 3) box(s, x, y, w, h, i);
          else if (key === 4) finiteNumber(s, area, i);
          else if (key === 5) {
            const c = s.peek();
            if (c === 116 || c === 102) crowd[i] = s.boolean() ? 1 : 0;
            else {
              s.numberTo(crowd, i);
              const v = crowd[i]!;
              if (!(v === 1 || v === 0)) s.bail("iscrowd not 0 or 1");
            }
          } else s.skipValue(); // segmentation, ignore (overwritten by iscrowd), ...
          const bit = key < 0 ? 0 : 1 << key;
          if (seen & bit) s.bail("duplicate key");
          seen |= bit;
        } while (s.next(125));
      }
      if (seen !== 63) s.bail("missing field");
    } while (s.next(93));
  }
  const [id, imageId, categoryId, x, y, w, h, area, crowd] = cols.take() as F9;
  return { n: cols.n, id, imageId, categoryId, x, y, w, h, area, iscrowd: Uint8Array.from(crowd) };
}

/**
 * A COCO ground-truth dict: `annotations` into columns; `images` and `categories` located (their JSON is small
 * and parsed by the caller); every other member skipped. Throws ScanBail for anything but the plain valid shape.
 */
export function scanGroundTruth(bytes: Uint8Array): ScannedGroundTruth {
  const s = new JsonScanner(bytes);
  const arrays: ([number, number] | null)[] = [null, null]; // images, categories
  let ann: AnnotationColumns | null = null;
  s.expect(123);
  if (!s.empty(125)) {
    do {
      s.plainKey();
      const key = s.keyIndex(GT_KEYS);
      if (key === 0 || key === 1) {
        if (arrays[key]) s.bail("duplicate key");
        if (s.peek() !== 91) s.bail("not an array");
        const start = s.p;
        s.skipValue();
        arrays[key] = [start, s.p];
      } else if (key === 2) {
        if (ann) s.bail("duplicate key");
        ann = scanAnnotations(s, Math.ceil(bytes.length / 128));
      } else s.skipValue();
    } while (s.next(125));
  }
  s.end();
  const [images, categories] = arrays;
  if (!images || !categories) throw new ScanBail("missing images or categories", s.p);
  return { images, categories, ann: ann ?? scanAnnotations(new JsonScanner(Buffer.from("[]")), 0) };
}
