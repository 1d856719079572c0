/**
 * The bad-input corpus (`fixtures/bad-inputs/`): every file is fed to the loader or command that reads
 * it, and must end in a clean error (the expected type, the file named, no "internal error") or the
 * documented result — never a hang (each case runs under a time limit) or a silently wrong value. A
 * file without an expectation here fails the test, so the corpus and the table stay in step. Hostile
 * inputs that depend on the machine or are big (symbolic links, an output folder under a file, a
 * config nested 100000 levels deep) are made at run time.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DataError, decodeImage, loadCoco, loadVoc, loadYolo } from "@kdet/data";
import { describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { readCheckpoint } from "./detectors-api";
import { CliError } from "./errors";
import { readJsonFile } from "./json-file";
import { main } from "./main";
import { readMetricsLog } from "./metrics-log";
import { readModelMeta } from "./model-meta";
import { RunManifestSchema } from "./run-folder";
import { StageDoneSchema } from "./train-stage";

const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/bad-inputs");
const VALID_JPG = path.join(CORPUS, "images/valid-16x16.jpg");
/** Time limit of one case (ms): a hang or a runaway expansion fails it. */
const LIMIT = 10_000;
const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `kdet-bad-${p}-`));

/** A case: what reading the file must give. `error`: a clean error of that class whose message matches. */
type Expect =
  | { error: new (...a: never[]) => Error; message: RegExp }
  | { ok: (value: never) => void }
  | { exit: number; message: RegExp };

/** Runs `kdet config print` on a config file: exit status and stderr. */
async function configPrint(file: string): Promise<{ code: number; err: string }> {
  const io = bufferIo();
  const code = await main(["config", "print", "--config", file], io);
  return { code, err: io.err.join("") };
}

const cfg = (message: RegExp): Expect => ({ exit: 1, message });

/** Expectations, by path inside the corpus. */
const CASES: Record<string, Expect> = {
  // experiment configs → `kdet config print --config FILE`
  "config/alias-bomb.yaml": cfg(/Excessive alias count/),
  "config/bad-indentation.yaml": cfg(/bad-indentation\.yaml:2:9: Nested mappings/),
  "config/constructor-key.json": cfg(/key "model\.constructor" is not allowed/),
  "config/duplicate-key.yaml": cfg(/duplicate-key\.yaml:2:1: Map keys must be unique/),
  "config/empty.yaml": cfg(/model: got nothing \(the key is missing\)/),
  "config/list-not-object.yaml": cfg(/data: got nothing/),
  "config/nan-lr.yaml": cfg(/train\.epochs: got -1; allowed: > 0[\s\S]*train\.optimizer\.lr: /),
  "config/nul-byte.yaml": cfg(/model\.type: got "yolo\\u0000v8"; allowed: one of/),
  "config/proto-key.yaml": cfg(/key "__proto__" is not allowed/),
  "config/synthetic-max-objects.yaml": cfg(/data\.train\.maxObjects: got 1000000; allowed: <= 1000/),
  "config/truncated.json": cfg(/truncated\.json:1:\d+: /),
  "config/unknown-key.yaml": cfg(/model\.wings: unknown key/),
  "config/wrong-type.yaml": cfg(/train\.epochs: got "ten"; allowed: a number/),
  // images → decodeImage
  "images/bad-ihdr.png": { error: DataError, message: /could not decode this png/ },
  "images/empty.jpg": { error: DataError, message: /file is empty/ },
  "images/huge-dimensions.png": { error: DataError, message: /60000x60000/ },
  "images/text-named.jpg": { error: DataError, message: /not a supported image/ },
  "images/truncated-body.jpg": { error: DataError, message: /could not decode this jpeg/ },
  "images/truncated-header.jpg": { error: DataError, message: /truncated inside its header/ },
  "images/valid-16x16.jpg": { ok: (im: { width: number; height: number }) => expect(im.width).toBe(16) },
  // COCO instances files → loadCoco (an image a.jpg beside)
  "coco/bad-annotations.json": {
    ok: (ds: LoadedCoco) => {
      expect(ds.records[0]!.boxes.length).toBe(0);
      expect(ds.report.problems.map((p) => p.kind)).toEqual([
        "bad-entry",
        "unknown-image",
        "unknown-category",
      ]);
    },
  },
  "coco/binary.json": { error: DataError, message: /binary\.json: malformed JSON/ },
  "coco/duplicate-category-ids.json": { error: DataError, message: /duplicate category id; got 1/ },
  "coco/duplicate-category-names.json": {
    ok: (ds: LoadedCoco) =>
      expect(ds.report.problems).toContainEqual(
        expect.objectContaining({ kind: "duplicate-class-name", entry: "categories[1]", value: "cell" }),
      ),
  },
  "coco/path-escape.json": {
    ok: (ds: LoadedCoco) => {
      expect(ds.records).toEqual([]);
      expect(ds.report.problems.map((p) => p.kind)).toEqual(["path-escape", "path-escape"]);
    },
  },
  "coco/proto-keys.json": {
    ok: (ds: LoadedCoco) => {
      expect(ds.classNames).toEqual(["a"]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  },
  "coco/top-level-list.json": { error: DataError, message: /expected object, received array/ },
  "coco/truncated.json": { error: DataError, message: /truncated\.json: malformed JSON/ },
  "coco/valid.json": { ok: (ds: LoadedCoco) => expect(ds.records[0]!.boxes.length).toBe(4) },
  "coco/wrong-types.json": { error: DataError, message: /field "images": invalid content/ },
  // YOLO data.yaml files → loadYolo (images/a.jpg beside, no labels)
  "yolo/alias-bomb.yaml": { error: DataError, message: /data\.yaml: malformed YAML: Excessive alias count/ },
  "yolo/duplicate-names.yaml": {
    ok: (ds: LoadedCoco) =>
      expect(ds.report.problems).toContainEqual(
        expect.objectContaining({ kind: "duplicate-class-name", entry: "names[1]", action: "note" }),
      ),
  },
  "yolo/malformed.yaml": { error: DataError, message: /data\.yaml: malformed YAML/ },
  "yolo/missing-split.yaml": {
    error: DataError,
    message: /field "train": split path .* is neither a folder/,
  },
  "yolo/names-with-gap.yaml": { error: DataError, message: /bad class-name map; got \["0","2"\]/ },
  "yolo/nc-mismatch.yaml": { error: DataError, message: /nc differs from the number of names; got 3/ },
  "yolo/proto-key.yaml": {
    ok: (ds: LoadedCoco) => {
      expect(ds.classNames).toEqual(["a"]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  },
  "yolo/valid.yaml": { ok: (ds: LoadedCoco) => expect(ds.classNames).toEqual(["a", "b"]) },
  // run-folder files → the readers of --resume and of finished stages
  "run/done-garbage.json": { error: CliError, message: /done-garbage\.json: invalid stage record: steps: / },
  "run/done-proto-key.json": {
    error: CliError,
    message: /done-proto-key\.json: key "__proto__" is not allowed/,
  },
  "run/done-truncated.json": {
    error: CliError,
    message: /done-truncated\.json: the stage record is not valid JSON/,
  },
  "run/done-valid.json": { ok: (d: { steps: number }) => expect(d.steps).toBe(12) },
  "run/kdet-garbage.json": { error: CliError, message: /kdet\.json: / },
  "run/kdet-truncated.json": { error: CliError, message: /kdet\.json: not JSON/ },
  "run/metrics-bad-middle-line.jsonl": {
    error: CliError,
    message: /metrics-bad-middle-line\.jsonl:2: not a metrics line/,
  },
  "run/metrics-nul-bytes.jsonl": { ok: (log: Log) => expect(log.steps).toEqual([]) },
  "run/metrics-torn-last-line.jsonl": {
    ok: (log: Log) =>
      expect(log.steps.map((s) => [s.step, s.loss])).toEqual([
        [1, 2.5],
        [2, 2.25],
      ]),
  },
  "run/metrics-wrong-type.jsonl": {
    error: CliError,
    message: /metrics-wrong-type\.jsonl:2: not a metrics line/,
  },
  "run/not-a-checkpoint.ckpt": { error: Error, message: /not-a-checkpoint\.ckpt is not a kdet checkpoint/ },
  "run/run-garbage.json": { error: CliError, message: /run-garbage\.json: invalid run manifest: version: / },
  "run/run-truncated.json": {
    error: CliError,
    message: /run-truncated\.json: the run manifest is not valid JSON/,
  },
  "run/truncated-header.ckpt": { error: Error, message: /truncated-header\.ckpt is truncated/ },
  // VOC annotations and split lists: loaded together below (one dataset), listed here so none is forgotten
  ...Object.fromEntries(
    [
      "empty.xml",
      "entity-expansion-bomb.xml",
      "inverted-box.xml",
      "mismatched-tags.xml",
      "non-numeric-box.xml",
      "not-voc.xml",
      "object-without-name.xml",
      "split-duplicates.txt",
      "truncated.xml",
      "valid.xml",
      "xxe-external-entity.xml",
    ].map((f) => [`voc/${f}`, { ok: () => {} }]),
  ),
  // YOLO label files: loaded together below
  ...Object.fromEntries(
    [
      "binary.txt",
      "class-out-of-range.txt",
      "huge-values.txt",
      "nan.txt",
      "negative-class.txt",
      "valid.txt",
      "wrong-count.txt",
    ].map((f) => [`yolo/labels/${f}`, { ok: () => {} }]),
  ),
};
type LoadedCoco = Awaited<ReturnType<typeof loadCoco>>;
type Log = ReturnType<typeof readMetricsLog>;

/** Reads one corpus file with the reader of its kind. */
async function read(rel: string): Promise<unknown> {
  const file = path.join(CORPUS, rel);
  const [kind] = rel.split("/");
  if (kind === "images") return decodeImage(file, { decoder: "js" });
  if (kind === "coco") {
    const dir = tmp("coco");
    copyFileSync(VALID_JPG, path.join(dir, "a.jpg"));
    return loadCoco({ annotationFile: file, imageDir: dir });
  }
  if (kind === "yolo") {
    const dir = tmp("yolo");
    mkdirSync(path.join(dir, "images"));
    copyFileSync(VALID_JPG, path.join(dir, "images/a.jpg"));
    copyFileSync(file, path.join(dir, "data.yaml"));
    return loadYolo({ dataYaml: path.join(dir, "data.yaml") });
  }
  const base = path.basename(rel);
  if (base.startsWith("done-")) return readJsonFile(file, StageDoneSchema, "stage record");
  if (base.startsWith("run-")) return readJsonFile(file, RunManifestSchema, "run manifest");
  if (base.startsWith("metrics-")) return readMetricsLog(file);
  if (base.endsWith(".ckpt")) return readCheckpoint(file);
  if (base.startsWith("kdet-")) {
    const dir = tmp("meta");
    copyFileSync(file, path.join(dir, "kdet.json"));
    return readModelMeta(dir);
  }
  throw new Error(`no reader for ${rel}`);
}

function corpusFiles(dir = CORPUS): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? corpusFiles(p) : [path.relative(CORPUS, p)];
  });
}

describe("bad-input corpus", () => {
  it("every corpus file has an expectation, every expectation a file; files are small", () => {
    const files = corpusFiles().sort();
    expect(files).toEqual(Object.keys(CASES).sort());
    for (const f of files) expect(statSync(path.join(CORPUS, f)).size, f).toBeLessThan(8192);
  });

  for (const [rel, want] of Object.entries(CASES)) {
    if (rel.startsWith("voc/") || rel.startsWith("yolo/labels/")) continue;
    it(rel, { timeout: LIMIT }, async () => {
      if ("exit" in want) {
        const r = await configPrint(path.join(CORPUS, rel));
        expect(r.err).not.toMatch(/internal error/);
        expect(r.code, r.err).toBe(want.exit);
        expect(r.err).toContain(path.join(CORPUS, rel));
        expect(r.err).toMatch(want.message);
        return;
      }
      let value: unknown;
      let error: unknown;
      try {
        value = await read(rel);
      } catch (e) {
        error = e;
      }
      if ("error" in want) {
        expect(error, `${rel} gave no error`).toBeInstanceOf(want.error);
        expect(error).not.toBeInstanceOf(TypeError);
        expect(error).not.toBeInstanceOf(RangeError);
        const named = rel.startsWith("yolo/")
          ? "data.yaml"
          : path.basename(rel).replace(/^kdet-.*/, "kdet.json");
        expect((error as Error).message).toContain(named);
        expect((error as Error).message).toMatch(want.message);
      } else {
        expect(error).toBeUndefined();
        want.ok(value as never);
      }
    });
  }

  it("VOC: every hostile xml is reported by name and skipped, with classes auto and given; split duplicates reported", {
    timeout: LIMIT,
  }, async () => {
    const root = tmp("voc");
    for (const d of ["Annotations", "JPEGImages", "ImageSets/Main"])
      mkdirSync(path.join(root, d), { recursive: true });
    const xmls = readdirSync(path.join(CORPUS, "voc")).filter((f) => f.endsWith(".xml"));
    for (const f of xmls) {
      copyFileSync(path.join(CORPUS, "voc", f), path.join(root, "Annotations", f));
      copyFileSync(VALID_JPG, path.join(root, "JPEGImages", f.replace(/\.xml$/, ".jpg")));
    }
    const refused = [
      "empty",
      "entity-expansion-bomb",
      "mismatched-tags",
      "not-voc",
      "truncated",
      "xxe-external-entity",
    ];
    for (const classes of ["auto", ["dog"]] as const) {
      const ds = await loadVoc({ root, classes: classes as "auto" | string[] });
      expect(ds.classNames).toContain("dog");
      const malformed = ds.report.problems.filter((p) => p.kind === "malformed-annotation");
      expect(malformed.map((p) => path.basename(p.file, ".xml")).sort()).toEqual(refused);
      for (const f of ["xxe-external-entity", "entity-expansion-bomb"])
        expect(malformed.find((p) => p.file.endsWith(`${f}.xml`))!.message).toMatch(/DOCTYPE or ENTITY/);
      expect(JSON.stringify(ds.report)).not.toMatch(/root:|aaaaaaaaaa/); // nothing expanded or read
      const kinds = (f: string) => ds.report.problems.filter((p) => p.file.endsWith(f)).map((p) => p.kind);
      expect(kinds("inverted-box.xml")).toEqual(["degenerate-box"]);
      expect(kinds("non-numeric-box.xml")).toEqual(["bad-entry"]);
      expect(kinds("object-without-name.xml")).toEqual(["bad-entry"]);
      const valid = ds.records.find((r) => r.imageId === "valid")!;
      expect(Array.from(valid.boxes)).toEqual([1, 1, 10, 10]); // 1-based xmin 2 → x1 = 1
      expect(ds.records.length).toBe(xmls.length - refused.length);
    }
    copyFileSync(path.join(CORPUS, "voc/split-duplicates.txt"), path.join(root, "ImageSets/Main/train.txt"));
    const split = await loadVoc({ root, split: "train", classes: ["dog"] });
    expect(split.records.map((r) => r.imageId)).toEqual(["valid"]);
    expect(split.report.problems.map((p) => [p.entry, p.kind])).toEqual([
      ["line 2", "duplicate-id"],
      ["line 5", "duplicate-id"],
      ["line 4", "path-escape"],
      ["xxe-external-entity", "malformed-annotation"],
    ]);
  });

  it("YOLO labels: every bad label file is reported by name, its boxes skipped, the valid one loaded", {
    timeout: LIMIT,
  }, async () => {
    const root = tmp("yolo-labels");
    for (const d of ["images", "labels"]) mkdirSync(path.join(root, d));
    copyFileSync(path.join(CORPUS, "yolo/valid.yaml"), path.join(root, "data.yaml"));
    const labels = readdirSync(path.join(CORPUS, "yolo/labels"));
    for (const f of labels) {
      copyFileSync(path.join(CORPUS, "yolo/labels", f), path.join(root, "labels", f));
      copyFileSync(VALID_JPG, path.join(root, "images", f.replace(/\.txt$/, ".jpg")));
    }
    const ds = await loadYolo({ dataYaml: path.join(root, "data.yaml") });
    const byFile = Object.fromEntries(ds.report.problems.map((p) => [path.basename(p.file), p.kind]));
    expect(byFile).toEqual({
      "binary.txt": "bad-label-line",
      "class-out-of-range.txt": "class-out-of-range",
      "huge-values.txt": "bad-box",
      "nan.txt": "bad-label-line",
      "negative-class.txt": "class-out-of-range",
      "wrong-count.txt": "bad-label-line",
    });
    const boxes = Object.fromEntries(ds.records.map((r) => [r.imageId, r.boxes.length / 4]));
    expect(boxes).toEqual({
      binary: 0,
      "class-out-of-range": 0,
      "huge-values": 0,
      nan: 0,
      "negative-class": 0,
      valid: 2,
      "wrong-count": 0,
    });
  });

  it("symbolic links leaving the dataset are refused and nothing of their target is echoed", {
    timeout: LIMIT,
  }, async () => {
    const secret = path.join(tmp("secret"), "secret.jpg");
    writeFileSync(secret, "SECRET-CONTENT-0123456789");
    const root = tmp("voc-links");
    for (const d of ["Annotations", "JPEGImages"]) mkdirSync(path.join(root, d));
    copyFileSync(path.join(CORPUS, "voc/valid.xml"), path.join(root, "Annotations/a.xml"));
    symlinkSync(secret, path.join(root, "JPEGImages/a.jpg"));
    copyFileSync(path.join(CORPUS, "voc/valid.xml"), path.join(root, "Annotations/b.xml"));
    copyFileSync(VALID_JPG, path.join(root, "JPEGImages/b.jpg"));
    const ds = await loadVoc({ root, classes: ["dog"] });
    expect(ds.records.map((r) => r.imageId)).toEqual(["b"]);
    expect(ds.report.problems).toEqual([
      expect.objectContaining({ kind: "path-escape", message: expect.stringMatching(/allowLinksOutside/) }),
    ]);
    const text = JSON.stringify(ds.report);
    expect(text).not.toMatch(/SECRET|53 45 43 52/);
    // an annotation linked from outside: not read, not even for the class names of classes: auto
    const outsideXml = path.join(path.dirname(secret), "c.xml");
    writeFileSync(
      outsideXml,
      readFileSync(path.join(CORPUS, "voc/valid.xml"), "utf8").replace(
        "<name>dog</name>",
        "<name>leaked</name>",
      ),
    );
    symlinkSync(outsideXml, path.join(root, "Annotations/c.xml"));
    copyFileSync(VALID_JPG, path.join(root, "JPEGImages/c.jpg"));
    const auto = await loadVoc({ root });
    expect(auto.classNames).not.toContain("leaked");
    expect(auto.records.map((r) => r.imageId)).toEqual(["b"]);
    expect(auto.report.problems.map((p) => [path.basename(p.file), p.kind])).toEqual([
      ["c.xml", "path-escape"],
      ["a.xml", "path-escape"],
    ]);
    // allowed on request: then the file is read (and refused for what it is); the files are read concurrently, so
    // the problems' order is not part of the contract
    const allowed = await loadVoc({ root, classes: ["dog"], allowLinksOutside: true });
    expect(allowed.report.problems.map((p) => p.kind).sort()).toEqual(["unknown-class", "unreadable-image"]);
  });

  it("a config nested 100000 levels deep is a clean error naming the file", { timeout: LIMIT }, async () => {
    const f = path.join(tmp("deep"), "deep.json");
    writeFileSync(f, `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    const r = await configPrint(f);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(1);
    expect(r.err).toContain(f);
  });

  it("a truncated JPEG body met while training is an error naming the image (exit 1), not an internal error", {
    timeout: 120_000,
  }, async () => {
    const dir = tmp("truncated-train");
    copyFileSync(path.join(CORPUS, "images/truncated-body.jpg"), path.join(dir, "a.jpg"));
    writeFileSync(
      path.join(dir, "gt.json"),
      JSON.stringify({
        images: [{ id: 1, file_name: "a.jpg", width: 16, height: 16 }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [2, 2, 8, 8], area: 64, iscrowd: 0 }],
        categories: [{ id: 1, name: "a" }],
      }),
    );
    const config = path.join(dir, "c.yaml");
    writeFileSync(
      config,
      `data: {train: {type: coco, annotationFile: ${dir}/gt.json, imageDir: ${dir}}, imageSize: 64, batchSize: 1, augment: false}
model: {type: yolov8-n}
train: {epochs: 1, optimizer: {type: sgd, lr: 0.01}, valEvery: 0}
output: {dir: ${dir}/runs}
`,
    );
    const io = bufferIo();
    const code = await main(["train", "--config", config, "--backend", "wasm"], io);
    const err = io.err.join("");
    expect(err).not.toMatch(/internal error/);
    expect(code, err).toBe(1);
    expect(err).toMatch(/decode image: .*a\.jpg: .*could not decode this jpeg/);
  });

  it("an output folder that is a file or under a file, and __proto__ in --set, are clean errors", async () => {
    const dir = tmp("out");
    const file = path.join(dir, "file");
    writeFileSync(file, "x");
    const config = path.join(dir, "c.yaml");
    writeFileSync(
      config,
      "data: {train: {type: synthetic, numImages: 4, size: 64}, imageSize: 64, batchSize: 2}\nmodel: {type: yolov8-n}\ntrain: {epochs: 1, optimizer: {type: sgd, lr: 0.01}}\n",
    );
    for (const out of [file, path.join(file, "sub")]) {
      const io = bufferIo();
      const code = await main(["train", "--config", config, "--set", `output.dir=${out}`], io);
      expect(code, io.err.join("")).toBe(1);
      expect(io.err.join("")).toMatch(/cannot create the run folder .*is a file, not a folder/);
    }
    for (const bad of ["__proto__.isAdmin=true", "constructor.prototype.isAdmin=true"]) {
      const io = bufferIo();
      expect(await main(["train", "--config", config, "--set", bad], io)).toBe(2);
      expect(io.err.join("")).toMatch(/is not allowed/);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
