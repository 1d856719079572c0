/**
 * The bad-input corpus (fixtures/bad-inputs: `gt.*` files are given as the ground truth, `dt.*` files as the
 * results) and hostile inputs generated here (devices, FIFOs, directories, oversized and sparse files, gzip
 * bombs, 200k categories, deep nesting). Every one must end in a clean error naming the file (exit 1), within
 * a time limit: never an internal error (exit 70), a hang, or exit 0 with numbers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { main, mainAsync } from "./cli";
import { cocoEvaluate } from "./coco-eval";
import { EvalInputError } from "./errors";
import { MAX_STRING_LENGTH } from "./json";
import { GENERIC_LIMIT, loadGroundTruth, loadResults } from "./load";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const bad = join(fixtures, "bad-inputs");
const goodGt = join(fixtures, "good/gt.json");
const goodDt = join(fixtures, "good/dt.json");
const tmp = mkdtempSync(join(tmpdir(), "kdet-eval-hostile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Time limit per input (generous: the machine may be shared; a hang would take forever). */
const LIMIT_MS = 20_000;

function runCli(args: string[]) {
  let out = "";
  let err = "";
  const t0 = performance.now();
  const code = main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err, ms: performance.now() - t0 };
}

/** The CLI on (gt, dt) must exit 1 with one clean error line naming `named`, within the time limit. */
function expectCleanError(gt: string, dt: string, named: string, words?: RegExp, extra: string[] = []) {
  const r = runCli([gt, dt, ...extra]);
  expect(r.code, r.err).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toMatch(/^kdet-eval: error: /);
  expect(r.err).toContain(`${named}: `);
  expect(r.err).not.toMatch(/internal error|\n\s+at /);
  if (words) expect(r.err).toMatch(words);
  expect(r.ms).toBeLessThan(LIMIT_MS);
  return r.err;
}

describe("the corpus in fixtures/bad-inputs", () => {
  const files = readdirSync(bad).filter((f) => /^(gt|dt)\./.test(f));
  it("has both kinds of files", () => {
    expect(files.filter((f) => f.startsWith("gt.")).length).toBeGreaterThan(15);
    expect(files.filter((f) => f.startsWith("dt.")).length).toBeGreaterThan(20);
  });
  it("the good pair evaluates (exit 0), so each failure below is the bad file's", () => {
    const r = runCli([goodGt, goodDt, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).stats[1]).toBeGreaterThan(0.99); // AP50: 1 / (1 + 2^-52)
  });
  for (const f of files) {
    it(f, async () => {
      const p = join(bad, f);
      const isGt = f.startsWith("gt.");
      const msg = expectCleanError(isGt ? p : goodGt, isGt ? goodDt : p, p);
      // the bin's streaming variant gives the same message
      let err2 = "";
      const code2 = await mainAsync([isGt ? p : goodGt, isGt ? goodDt : p], {
        stdout: () => {},
        stderr: (t) => (err2 += t),
      });
      expect(code2).toBe(1);
      expect(err2).toBe(msg);
      expect(msg).toMatch(isGt ? /loading ground truth from/ : /loading results from/);
      // the library gives the same error as an EvalInputError with the file as its source
      let err: unknown;
      try {
        if (isGt) loadGroundTruth(p);
        else loadResults(p, loadGroundTruth(goodGt));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EvalInputError);
      expect((err as EvalInputError).source).toBe(p);
    });
  }
});

describe("hostile inputs generated at test time", () => {
  it("/dev/zero is refused before any read (spawned, under a timeout)", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(repo, "packages/eval/src/bin.ts"), "/dev/zero", goodDt],
      { cwd: repo, encoding: "utf8", timeout: 60_000 },
    );
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/dev\/zero: cannot read: not a regular file/);
    expectCleanError(goodGt, "/dev/zero", "/dev/zero", /not a regular file/);
  });

  it("a FIFO (opening it would block) and a directory", () => {
    const fifo = join(tmp, "fifo.json");
    const mk = spawnSync("mkfifo", [fifo]);
    if (mk.status === 0) expectCleanError(fifo, goodDt, fifo, /not a regular file/);
    expectCleanError(goodGt, tmp, tmp, /is a directory/);
    expectCleanError(goodGt, join(tmp, "missing.json"), join(tmp, "missing.json"), /file not found/);
  });

  it("a 600 MiB (sparse) file is refused by its size, before reading", () => {
    const big = join(tmp, "big.json");
    writeFileSync(big, "[");
    truncateSync(big, 600 * 2 ** 20);
    expectCleanError(goodGt, big, big, /600 MiB, over the input limit of 512 MiB.*--max-input-mb/);
    rmSync(big);
  });

  it("--max-input-mb applies to the file and to its gzip content", async () => {
    const gz = join(tmp, "bomb-small.json.gz");
    writeFileSync(gz, gzipSync(Buffer.alloc(4 * 2 ** 20, 0x20)));
    expectCleanError(goodGt, gz, gz, /gzip data expands past the input limit of 1 MiB/, [
      "--max-input-mb",
      "1",
    ]);
    expectCleanError(goodGt, goodDt, goodGt, /over the input limit/, ["--max-input-mb", "0.0001"]);
    // the streaming reader of the bin stops at the limit too
    let err = "";
    const code = await mainAsync([goodGt, gz, "--max-input-mb", "1"], {
      stdout: () => {},
      stderr: (t) => (err += t),
    });
    expect(code).toBe(1);
    expect(err).toMatch(/bomb-small\.json\.gz: the gzip data expands past the input limit of 1 MiB/);
  });

  it("a gzip that expands past the string limit stops at the default limit (no exit 70)", () => {
    expect(MAX_STRING_LENGTH).toBeGreaterThanOrEqual(512 * 2 ** 20 - 24);
    // 10 gzip members of 64 MiB of spaces each (gunzip reads concatenated members): 640 MiB from ~640 KB
    const member = gzipSync(Buffer.alloc(64 * 2 ** 20, 0x20), { level: 9 });
    const gz = join(tmp, "bomb.json.gz");
    writeFileSync(gz, Buffer.concat(Array.from({ length: 10 }, () => member)));
    expectCleanError(goodGt, gz, gz, /gzip data expands past the input limit of 512 MiB/);
    rmSync(gz);
  });

  it("200,000 categories (6.5 MB): refused with the counts, not ~19 GB of arrays", () => {
    const cats = Array.from({ length: 200_000 }, (_, i) => ({ id: i + 1, name: `c${i + 1}` }));
    const p = join(tmp, "many-cats.json");
    writeFileSync(p, JSON.stringify({ images: [{ id: 1 }, { id: 2 }], annotations: [], categories: cats }));
    expectCleanError(p, goodDt, p, /categories: 200000 categories x 4 area ranges.*limit.*--no-cats/);
    // pooling them (useCats 0) is fine: K = 1
    expect(runCli([p, goodDt, "--no-cats", "--json"]).code).toBe(0);
  });

  it("deep nesting and unterminated containers", () => {
    const deep = join(tmp, "deep.json");
    writeFileSync(deep, `${"[".repeat(200_000)}${"]".repeat(200_000)}`);
    expectCleanError(deep, goodDt, deep, /got an array/);
    expectCleanError(goodGt, deep, deep, /results\[0\]/);
    const open = join(tmp, "open.json");
    writeFileSync(open, "[".repeat(200_000));
    expectCleanError(goodGt, open, open, /malformed JSON/);
  });

  it("a file too large for JSON.parse that the column scanner refuses: the scanner's reason and position", () => {
    const saved = GENERIC_LIMIT.bytes;
    GENERIC_LIMIT.bytes = 16; // pretend the files are over V8's string limit
    try {
      expectCleanError(
        goodGt,
        join(bad, "dt.trailing-comma.json"),
        join(bad, "dt.trailing-comma.json"),
        /line 1, column \d+/,
      );
      expectCleanError(
        join(bad, "gt.bom.json"),
        goodDt,
        join(bad, "gt.bom.json"),
        /cannot load: expected '\{'/,
      );
    } finally {
      GENERIC_LIMIT.bytes = saved;
    }
  });
});

describe("--max-dets (issue: fewer than three values printed -1 stats with maxDets=nan and exit 0)", () => {
  it("exactly three increasing positive integers, else usage error (exit 2)", () => {
    for (const v of [
      "300",
      "1,10",
      "1,10,100,1000",
      "10,1,100",
      "1,10,10",
      "0,10,100",
      "a,b,c",
      "1.5,10,100",
      "",
    ]) {
      const r = runCli([goodGt, goodDt, "--max-dets", v]);
      expect(r.code, v).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^kdet-eval: --max-dets /);
    }
    const ok = runCli([goodGt, goodDt, "--max-dets", "1,10,300", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).params.maxDets).toStrictEqual([1, 10, 300]);
  });
  it("the library refuses to summarize fewer than three", () => {
    const gt = loadGroundTruth(goodGt);
    expect(() => cocoEvaluate(gt, loadResults(goodDt, gt), { maxDets: [300] })).toThrow(
      /params: maxDets: summarize needs at least three maxDets/,
    );
  });
});

describe("keys from files never reach a prototype", () => {
  it("__proto__ / constructor / prototype members are plain data (same numbers as without them)", () => {
    const h =
      '"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}, "prototype": 1';
    const gtText = JSON.stringify({
      images: [{ id: 1 }, { id: 2 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
        { id: 2, image_id: 2, category_id: 2, bbox: [30, 30, 20, 10], area: 200, iscrowd: 0 },
      ],
      categories: [
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ],
    });
    // inject the hostile members into every object of the files, as text (JSON.stringify would drop __proto__)
    const inject = (text: string) => text.replace(/\{"(id|image_id|images)"/g, `{${h}, "$1"`);
    const gtP = join(tmp, "proto-gt.json");
    const dtP = join(tmp, "proto-dt.json");
    writeFileSync(gtP, inject(gtText));
    writeFileSync(dtP, inject(JSON.stringify(JSON.parse(readFileSync(goodDt, "utf8")))));
    expect(readFileSync(gtP, "utf8")).toContain('"__proto__"');
    for (const parser of ["fast", "generic"] as const) {
      const gt = loadGroundTruth(gtP, { parser });
      const dt = loadResults(dtP, gt, { parser });
      const ref = loadGroundTruth(goodGt);
      expect(cocoEvaluate(gt, dt).stats).toStrictEqual(cocoEvaluate(ref, loadResults(goodDt, ref)).stats);
      for (const o of [...gt.images, ...gt.categories])
        expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    }
    const r = runCli([gtP, dtP, "--per-class", "--json"]);
    expect(r.code).toBe(0);
    expect(({} as Record<string, unknown>)["isAdmin"]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("isAdmin");
  });
});

describe("duplicate categories", () => {
  it("duplicate ids and duplicate names are warnings naming them (pycocotools evaluates unique ids)", () => {
    const p = join(tmp, "dup-cats.json");
    writeFileSync(
      p,
      JSON.stringify({
        images: [{ id: 1 }],
        annotations: [],
        categories: [
          { id: 1, name: "a" },
          { id: 1, name: "a2" },
          { id: 2, name: "b" },
          { id: 3, name: "b" },
        ],
      }),
    );
    const empty = join(tmp, "empty-dt.json");
    writeFileSync(empty, "[]");
    const r = runCli([p, empty, "--json"]);
    expect(r.code).toBe(0);
    const w = JSON.parse(r.out).warnings.join("\n");
    expect(w).toMatch(/duplicate category id\(s\) 1;/);
    expect(w).toMatch(/duplicate category name\(s\) "b";/);
    expect(JSON.parse(r.out).params.numCategories).toBe(3);
  });
});
