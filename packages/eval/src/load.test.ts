/**
 * Bad input gets a clear error naming the file, the entry index and the field (never a stack trace or a
 * silently wrong number), both from the library and from the CLI.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { main } from "./cli";
import { cocoEvaluate } from "./coco-eval";
import { EvalInputError } from "./errors";
import { loadGroundTruth, loadResults } from "./load";

const dir = mkdtempSync(join(tmpdir(), "kdet-eval-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GT = {
  images: [
    { id: 1, width: 100, height: 100 },
    { id: 2, width: 100, height: 100 },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 2, bbox: [30, 30, 20, 10], area: 200, iscrowd: 0 },
  ],
  categories: [
    { id: 1, name: "a" },
    { id: 2, name: "b" },
  ],
};
const DT = [
  { image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.9 },
  { image_id: 2, category_id: 2, bbox: [30, 30, 20, 10], score: 0.8 },
  { image_id: 2, category_id: 1, bbox: [0, 0, 5, 5], score: 0.7 },
];

let n = 0;
function file(content: string | Buffer, ext = ".json"): string {
  const p = join(dir, `f${n++}${ext}`);
  writeFileSync(p, content);
  return p;
}
const json = (v: unknown) => file(JSON.stringify(v));
const goodGt = json(GT);

function runCli(args: string[]) {
  let out = "";
  let err = "";
  const code = main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** Library error and CLI error for a results file; both must name the file and the path. */
function expectResultsError(dtPath: string, path: string, words: RegExp) {
  const gt = loadGroundTruth(goodGt);
  let err: unknown;
  try {
    loadResults(dtPath, gt);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EvalInputError);
  const e = err as EvalInputError;
  expect(e.source).toBe(dtPath);
  expect(e.path).toBe(path);
  expect(e.message).toContain(dtPath);
  expect(e.message).toContain(path);
  expect(e.message).toMatch(words);
  const r = runCli([goodGt, dtPath]);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toContain(path ? `${dtPath}: ${path}:` : `${dtPath}:`);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}

function expectGtError(gtPath: string, path: string, words: RegExp) {
  let err: unknown;
  try {
    loadGroundTruth(gtPath);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EvalInputError);
  expect((err as EvalInputError).path).toBe(path);
  expect((err as EvalInputError).message).toContain(gtPath);
  expect((err as EvalInputError).message).toMatch(words);
  const r = runCli([gtPath, json(DT)]);
  expect(r.code).toBe(1);
  expect(r.err).toContain(gtPath);
  if (path) expect(r.err).toContain(path);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe("malformed JSON", () => {
  it("names the file and the line/column (results)", () => {
    const p = file('[{"image_id": 1, "category_id": 1,\n "bbox": [1, 2, 3, 4], "score": 0.5,,}]');
    expectResultsError(p, "", /malformed JSON.*line 2/);
  });
  it("names the file (ground truth)", () => {
    expectGtError(file('{"images": [}'), "", /malformed JSON/);
  });
  it("reports an empty file", () => {
    expectResultsError(file(""), "", /malformed JSON: the file is empty/);
  });
  it("reads gzipped files and reports corrupt gzip", () => {
    const gz = file(gzipSync(JSON.stringify(DT.slice(0, 2))), ".json.gz");
    expect(loadResults(gz, loadGroundTruth(goodGt)).n).toBe(2);
    expectResultsError(file(Buffer.from([0x1f, 0x8b, 1, 2, 3]), ".json.gz"), "", /corrupt gzip/);
  });
  it("reports a missing file", () => {
    const r = runCli([goodGt, join(dir, "nope.json")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.json: cannot read: file not found/);
  });
});

describe("results entries", () => {
  it("image_id not in the ground truth", () => {
    expectResultsError(
      json([DT[0], { ...DT[1], image_id: 99 }]),
      "results[1].image_id",
      /image_id 99 is not an image/,
    );
  });
  it("category_id not in the ground truth (an error by default; dropped like pycocotools on request)", () => {
    const p = json([DT[0], DT[1], { ...DT[2], category_id: 7 }]);
    expectResultsError(p, "results[2].category_id", /category_id 7 is not a category/);
    const gt = loadGroundTruth(goodGt);
    const dropped = loadResults(p, gt, { unknownCategories: "drop" });
    expect(dropped.unknownCategoryCount).toBe(1);
    expect(dropped.warnings.join()).toMatch(/results\[2\]/);
    // pycocotools leaves it out of every statistic: same numbers as without it
    const without = loadResults([DT[0], DT[1]], gt);
    expect(cocoEvaluate(gt, dropped).stats).toStrictEqual(cocoEvaluate(gt, without).stats);
    const r = runCli([goodGt, p, "--allow-unknown-cats", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).warnings.join()).toMatch(/category_id not in the ground truth/);
  });
  it("negative width / height", () => {
    expectResultsError(json([{ ...DT[0], bbox: [1, 1, -2, 3] }]), "results[0].bbox[2]", /width.*got -2/);
    expectResultsError(
      json([DT[0], { ...DT[0], bbox: [1, 1, 2, -3] }]),
      "results[1].bbox[3]",
      /height.*got -3/,
    );
  });
  it("NaN width / score written by Python's json (bare NaN token)", () => {
    expectResultsError(
      file('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, NaN, 4], "score": 0.5}]'),
      "results[0].bbox[2]",
      /got NaN/,
    );
    expectResultsError(
      file('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": NaN}]'),
      "results[0].score",
      /got NaN/,
    );
    expectResultsError(
      file('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": -Infinity}]'),
      "results[0].score",
      /got -Infinity/,
    );
  });
  it("NaN given in memory", () => {
    expect(() => loadResults([{ ...DT[0], score: NaN }], loadGroundTruth(goodGt))).toThrow(
      /<results>: results\[0\]\.score: .*got NaN/,
    );
  });
  it("negative, missing or non-numeric score", () => {
    expectResultsError(
      json([DT[0], { ...DT[1], score: -0.1 }]),
      "results[1].score",
      /finite number >= 0, got -0.1/,
    );
    expectResultsError(
      json([{ image_id: 1, category_id: 1, bbox: [1, 1, 1, 1] }]),
      "results[0].score",
      /field missing/,
    );
    expectResultsError(json([{ ...DT[0], score: "0.5" }]), "results[0].score", /got "0.5"/);
  });
  it("bad bbox shape, missing bbox", () => {
    expectResultsError(json([{ ...DT[0], bbox: [1, 2, 3] }]), "results[0].bbox", /4 numbers/);
    expectResultsError(
      json([{ image_id: 1, category_id: 1, score: 0.3 }]),
      "results[0].bbox",
      /bbox field is required/,
    );
  });
  it("not a list", () => {
    expectResultsError(json({ foo: 1 }), "", /expected a JSON array of results/);
    expectResultsError(json([1]), "results[0]", /expected an object/);
  });
});

describe("ground-truth annotations", () => {
  it("missing area", () => {
    const { area: _a, ...noArea } = GT.annotations[1]!;
    expectGtError(
      json({ ...GT, annotations: [GT.annotations[0], noArea] }),
      "annotations[1].area",
      /area field is required/,
    );
  });
  it("missing iscrowd", () => {
    const { iscrowd: _c, ...noCrowd } = GT.annotations[0]!;
    expectGtError(
      json({ ...GT, annotations: [noCrowd] }),
      "annotations[0].iscrowd",
      /iscrowd field is required/,
    );
  });
  it("negative / NaN box sizes and bad fields", () => {
    expectGtError(
      json({ ...GT, annotations: [{ ...GT.annotations[0], bbox: [0, 0, -1, 1] }] }),
      "annotations[0].bbox[2]",
      /got -1/,
    );
    expectGtError(
      file(
        JSON.stringify({ ...GT, annotations: [{ ...GT.annotations[0], area: 0 }] }).replace(
          '"area":0',
          '"area":NaN',
        ),
      ),
      "annotations[0].area",
      /got NaN/,
    );
    expectGtError(
      json({ ...GT, annotations: [{ ...GT.annotations[0], iscrowd: 2 }] }),
      "annotations[0].iscrowd",
      /expected 0 or 1/,
    );
    expectGtError(json({ ...GT, images: [{ id: "x" }] }), "images[0].id", /finite number/);
    expectGtError(json({ images: [], annotations: [] }), "categories", /expected an array/);
    expectGtError(json([]), "", /got an array \(a results list\?\)/);
  });
});

describe("empty results list", () => {
  it("is not an error: categories with gt get AP = AR = 0, size ranges without gt -1 (documented)", () => {
    const gt = loadGroundTruth(goodGt);
    const dt = loadResults([], gt);
    expect(dt.warnings.join()).toMatch(/results list is empty/);
    // both gts are small (area 400 and 200): medium and large have no gt
    expect(cocoEvaluate(gt, dt).stats).toStrictEqual([0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
    const r = runCli([goodGt, json([]), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      stats: [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1],
      numImages: 2,
      numDetections: 0,
    });
    const t = runCli([goodGt, json([])]);
    expect(t.code).toBe(0);
    expect(t.err).toMatch(/warning: .*results list is empty/);
  });
});
