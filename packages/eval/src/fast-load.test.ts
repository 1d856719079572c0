/**
 * The fast column loader against the generic one (JSON.parse + zod): the same columns bit for bit on every
 * evaluation case (the scanner itself must accept each case file, so the comparison is not a fallback compared
 * with itself), the same doubles as JSON.parse for random number spellings, and on random and randomly
 * corrupted documents either the same columns or the same error.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allCases, casesRoot } from "./case-files.test-util";
import { EvalInputError } from "./errors";
import { ResultsScanner, scanGroundTruth, scanResults } from "./fast-load";
import { readInputFile } from "./json";
import { JsonScanner, ScanBail } from "./json-scan";
import { loadGroundTruth, loadResults, loadResultsAsync, type GroundTruth, type Results } from "./load";

const cases = allCases(); // the large case included when present

/** Bytes of a typed array (bitwise comparison: -0, NaN payloads and all). */
const bytesOf = (a: Float64Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const RESULT_COLS = ["imageId", "categoryId", "x", "y", "w", "h", "score", "area"] as const;
const ANN_COLS = ["id", "imageId", "categoryId", "x", "y", "w", "h", "area", "iscrowd"] as const;

function expectSameResults(a: Results, b: Results): void {
  expect(a.n).toBe(b.n);
  for (const k of RESULT_COLS) expect(bytesOf(a[k]).equals(bytesOf(b[k])), k).toBe(true);
  expect(a.unknownCategoryCount).toBe(b.unknownCategoryCount);
  expect(a.warnings).toStrictEqual(b.warnings);
}

function expectSameGroundTruth(a: GroundTruth, b: GroundTruth): void {
  expect(a.ann.n).toBe(b.ann.n);
  for (const k of ANN_COLS) expect(bytesOf(a.ann[k]).equals(bytesOf(b.ann[k])), k).toBe(true);
  expect(a.images).toStrictEqual(b.images);
  expect(a.categories).toStrictEqual(b.categories);
  expect(a.warnings).toStrictEqual(b.warnings);
}

describe.skipIf(cases.length === 0)(
  "every evaluation case: fast loader == generic loader, bit for bit",
  () => {
    it("finds the cases", () => expect(cases.length).toBeGreaterThan(30));
    for (const c of cases) {
      it(c.name, { timeout: 120_000 }, async () => {
        const gtBytes = readInputFile(c.gt);
        const dtBytes = readInputFile(c.dt);
        // the scanner takes the file as it is (no fallback involved)
        expect(() => scanGroundTruth(gtBytes)).not.toThrow();
        expect(scanResults(dtBytes).n).toBeGreaterThanOrEqual(0);
        const gtFast = loadGroundTruth(c.gt);
        const gtGeneric = loadGroundTruth(c.gt, { parser: "generic" });
        expectSameGroundTruth(gtFast, gtGeneric);
        const opts = { unknownCategories: "drop" } as const;
        const generic = loadResults(c.dt, gtGeneric, { ...opts, parser: "generic" });
        expectSameResults(loadResults(c.dt, gtFast, opts), generic);
        // what the bin runs: gzip inflated on the thread pool while it is scanned (plain files: read whole)
        expectSameResults(await loadResultsAsync(c.dt, gtFast, opts), generic);
      });
    }
  },
);

describe("published COCO test vectors: fast loader == generic loader", () => {
  const dir = join(casesRoot(), "vectors/rafaelpadilla_review_odm/test_coco_eval");
  const gtFile = join(dir, "sampled_gts_bbox_area.json");
  it.skipIf(!existsSync(gtFile))("sampled_gts_bbox_area.json with its two results files", () => {
    expect(() => scanGroundTruth(readInputFile(gtFile))).not.toThrow(); // no fallback involved
    const gtFast = loadGroundTruth(gtFile);
    expectSameGroundTruth(gtFast, loadGroundTruth(gtFile, { parser: "generic" }));
    expect(() => scanResults(readInputFile(join(dir, "cocoapi_results.json")))).not.toThrow();
    // sampled_bbox_results.json is a COCO dict holding the detections: the generic path's case (with a warning)
    for (const f of ["cocoapi_results.json", "sampled_bbox_results.json"]) {
      expectSameResults(
        loadResults(join(dir, f), gtFast, { unknownCategories: "drop" }),
        loadResults(join(dir, f), gtFast, { unknownCategories: "drop", parser: "generic" }),
      );
    }
  });
});

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const scanNumber = (text: string) => {
  const s = new JsonScanner(Buffer.from(text));
  const v = s.number();
  s.end();
  return v;
};

describe("number conversion", () => {
  it("equals JSON.parse on edge cases", () => {
    const edge = [
      "0",
      "-0",
      "-0.0",
      "0.1",
      "0.30000000000000004",
      "1e22",
      "1e23",
      "1e-22",
      "1e-23",
      "123456789012345",
      "1234567890123456",
      "9007199254740993",
      "4.9e-324",
      "2e-324",
      "2.2250738585072014e-308",
      "1.7976931348623157e308",
      "1.7976931348623159e308",
      "1e400",
      "-1e400",
      "1E+2",
      "1e-0000000000000005",
      "0.000000000000000000000000001",
      "196.32",
      "0.90564",
      "0.8999999999999999",
      "0.7000000000000001",
    ];
    for (const t of edge) expect(Object.is(scanNumber(t), JSON.parse(t)), t).toBe(true);
  });

  it("equals JSON.parse on 50,000 random spellings", () => {
    const r = rng(7);
    const digits = (n: number, lead: boolean) => {
      let s = lead ? String(1 + Math.floor(r() * 9)) : "";
      while (s.length < n) s += String(Math.floor(r() * 10));
      return s;
    };
    for (let i = 0; i < 50_000; i++) {
      let t = r() < 0.3 ? "-" : "";
      t += r() < 0.3 ? "0" : digits(1 + Math.floor(r() * 20), true);
      if (r() < 0.7) t += `.${digits(1 + Math.floor(r() * 20), false)}`;
      if (r() < 0.4) {
        t += `${r() < 0.5 ? "e" : "E"}${["", "+", "-"][Math.floor(r() * 3)]}`;
        t += String(Math.floor(r() * (r() < 0.5 ? 30 : 400)));
      }
      expect(Object.is(scanNumber(t), JSON.parse(t)), t).toBe(true);
    }
  });

  it("refuses what JSON.parse refuses", () => {
    for (const t of ["01", "1.", ".5", "+1", "1e", "1e+", "-", "0x10", "Infinity", "NaN", "1_0"]) {
      expect(() => JSON.parse(t), t).toThrow();
      expect(() => scanNumber(t), t).toThrow(ScanBail);
    }
  });
});

const GT = {
  images: [{ id: 1 }, { id: 2 }, { id: 3 }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 30, 40], area: 1200, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 2, bbox: [5.5, 6.25, 10, 20], area: 200, iscrowd: 1 },
  ],
  categories: [
    { id: 1, name: "a" },
    { id: 2, name: "b" },
  ],
};

/** A random JSON value for extra fields (strings with escapes and non-ASCII, nesting, literals). */
function junk(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 2 ? 4 : 6));
  if (k === 0) return r() < 0.5 ? null : r() < 0.5;
  if (k === 1) return (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6);
  if (k === 2)
    return ["plain", 'q"uote', "back\\slash", "tab\t", "é€😀", "\u0001", "__proto__"][Math.floor(r() * 7)];
  if (k === 3) return Math.floor(r() * 1000);
  if (k === 4) return Array.from({ length: Math.floor(r() * 3) }, () => junk(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < 3; i++)
    o[["a", "segmentation", "constructor", "x\\y"][Math.floor(r() * 4)]!] = junk(r, depth + 1);
  return o;
}

/** A random results document, randomly spaced, with extra fields and shuffled keys. */
function randomResults(r: () => number, n: number): string {
  const entries = Array.from({ length: n }, () => {
    const e: [string, unknown][] = [
      ["image_id", 1 + Math.floor(r() * 3)],
      ["category_id", 1 + Math.floor(r() * 2)],
      [
        "bbox",
        [r() * 100, r() * 100, r() < 0.1 ? 0 : r() * 50, r() * 50].map((v) =>
          r() < 0.3 ? Math.round(v) : v,
        ),
      ],
      ["score", r() < 0.1 ? 1 : r()],
    ];
    if (r() < 0.5) e.push(["area", junk(r)]);
    if (r() < 0.3) e.push(["extra", junk(r)]);
    e.sort(() => r() - 0.5);
    return `{${e.map(([k, v]) => `${JSON.stringify(k)}:${r() < 0.3 ? " \n" : ""}${JSON.stringify(v)}`).join(r() < 0.5 ? "," : " ,\t")}}`;
  });
  return `${r() < 0.5 ? " " : ""}[${entries.join(",\n")}]${r() < 0.5 ? "\n" : ""}`;
}

/** Outcome of a load: the value or the error message (non-EvalInputError errors are test failures). */
function outcome<T>(f: () => T): { ok: T } | { err: string } {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof EvalInputError)) throw e;
    return { err: e.message };
  }
}

describe("random documents: fast == generic (same columns or the same error)", () => {
  const gt = loadGroundTruth(GT);

  it("valid results documents (no fallback needed)", () => {
    const r = rng(11);
    for (let i = 0; i < 300; i++) {
      const text = randomResults(r, Math.floor(r() * 12));
      const bytes = Buffer.from(text);
      expect(() => scanResults(bytes), text).not.toThrow();
      expectSameResults(loadResults(bytes, gt), loadResults(bytes, gt, { parser: "generic" }));
    }
  });

  it("fed in pieces cut anywhere, the incremental scanner gives the same columns", () => {
    const r = rng(21);
    for (let i = 0; i < 60; i++) {
      const bytes = Buffer.from(randomResults(r, 1 + Math.floor(r() * 6)));
      const whole = scanResults(bytes);
      for (let trial = 0; trial < 5; trial++) {
        const sc = new ResultsScanner(0);
        const cuts = Array.from({ length: 1 + Math.floor(r() * 8) }, () =>
          Math.floor(r() * bytes.length),
        ).sort((a, b) => a - b);
        for (const c of cuts) sc.feed(bytes.subarray(0, c), false);
        sc.feed(bytes, true);
        const got = sc.result();
        expect(got.n).toBe(whole.n);
        for (const k of ["imageId", "categoryId", "x", "y", "w", "h", "score"] as const)
          expect(bytesOf(got[k]).equals(bytesOf(whole[k])), k).toBe(true);
      }
    }
    // every cut of one document
    const doc = Buffer.from(randomResults(rng(22), 3));
    const want = scanResults(doc);
    for (let c = 0; c <= doc.length; c++) {
      const sc = new ResultsScanner(0);
      sc.feed(doc.subarray(0, c), false);
      sc.feed(doc, true);
      expect(bytesOf(sc.result().score).equals(bytesOf(want.score)), `cut ${c}`).toBe(true);
    }
  });

  it("compact documents (more entries than the initial column capacity)", () => {
    const dets = Array.from({ length: 3000 }, (_, i) => ({
      image_id: 1 + (i % 3),
      category_id: 1 + (i % 2),
      bbox: [i % 7, i % 5, 1 + (i % 11), 2],
      score: (i % 97) / 97,
    }));
    const bytes = Buffer.from(JSON.stringify(dets));
    expect(scanResults(bytes).n).toBe(3000);
    expectSameResults(loadResults(bytes, gt), loadResults(bytes, gt, { parser: "generic" }));
    const anns = dets.map((d, i) => ({
      id: i + 1,
      image_id: d.image_id,
      category_id: d.category_id,
      bbox: d.bbox,
      area: 1,
      iscrowd: 0,
    }));
    const gtBytes = Buffer.from(
      JSON.stringify({ images: GT.images, annotations: anns, categories: GT.categories }),
    );
    expect(scanGroundTruth(gtBytes).ann.n).toBe(3000);
    expectSameGroundTruth(loadGroundTruth(gtBytes), loadGroundTruth(gtBytes, { parser: "generic" }));
  });

  it("corrupted results documents (a byte deleted, inserted or replaced)", () => {
    const r = rng(12);
    const alphabet = '{}[],:"\\ -.0123456789eEtrufalsnNI\n';
    let errors = 0;
    for (let i = 0; i < 1500; i++) {
      const text = randomResults(r, 1 + Math.floor(r() * 4));
      const at = Math.floor(r() * text.length);
      const ch = alphabet[Math.floor(r() * alphabet.length)]!;
      const op = Math.floor(r() * 3);
      const bad = text.slice(0, at) + (op === 0 ? "" : ch) + text.slice(op === 1 ? at : at + 1);
      const bytes = Buffer.from(bad);
      const fast = outcome(() => loadResults(bytes, gt, { unknownCategories: "drop" }));
      const generic = outcome(() => loadResults(bytes, gt, { unknownCategories: "drop", parser: "generic" }));
      if ("err" in generic) {
        errors++;
        expect(fast, bad).toStrictEqual(generic);
      } else {
        expect("ok" in fast, bad).toBe(true);
        if ("ok" in fast) expectSameResults(fast.ok, generic.ok);
      }
    }
    expect(errors).toBeGreaterThan(300); // the corruption does produce errors
  });

  it("ground truth with extra members, duplicate keys and corruption", () => {
    const r = rng(13);
    const base = JSON.stringify({ info: { x: [1, { y: "z" }] }, ...GT, licenses: [] });
    const variants = [
      base,
      base.replace('"iscrowd":0', '"iscrowd":false'),
      base.replace('"iscrowd":0', '"iscrowd":0,"iscrowd":1'), // duplicate key: JSON.parse keeps the last
      base.replace('"images"', '"images":[],"images"'),
      base.replace('"area":1200', '"area":1.2e3,"segmentation":[[1,2,3,4]]'),
      base.replace('"image_id"', '"image\\u005fid"'), // an escaped key
      base.replace('"iscrowd":0', '"iscrowd":2'),
      base.replace('{"id":2}', '{"id":"2"}'), // an image id of the wrong type
      base.replace('"name":"b"', '"name":5'), // a category name of the wrong type
      base.replace('{"id":2}', '{"id":"2"}').replace('"name":"b"', '"name":5'),
      base.replace('"images":[', '"images":[7,'),
      base.replace(',"annotations":[', ',"annotations":[ ]'),
    ];
    for (let i = 0; i < 400; i++) {
      const at = Math.floor(r() * base.length);
      variants.push(base.slice(0, at) + base.slice(at + 1));
    }
    for (const text of variants) {
      const bytes = Buffer.from(text);
      const fast = outcome(() => loadGroundTruth(bytes));
      const generic = outcome(() => loadGroundTruth(bytes, { parser: "generic" }));
      if ("err" in generic) expect(fast, text).toStrictEqual(generic);
      else {
        expect("ok" in fast, text).toBe(true);
        if ("ok" in fast) expectSameGroundTruth(fast.ok, generic.ok);
      }
    }
  });
});
