/**
 * Zoo configs: `kdet zoo --help`, the shipped sweeps (configs/zoo/*.yaml) parse, every stage validates and every
 * pairing's teacher and student build; bad configs fail naming the file, the pairing and the value.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@kdet/core";
import { bufferIo } from "./cli-io";
import { main } from "./main";
import { buildModel } from "./models";
import { readConfigFile } from "./config-load";
import { loadZoo, pairingMethod, pairingModel } from "./zoo-config";
import { overrideKeys } from "./zoo-pairing";

const ZOO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "configs", "zoo");
/** The benchmark sweeps of the repository (bench/zoo), beside the shipped ones. */
const BENCH_ZOO = path.resolve(ZOO, "..", "..", "..", "..", "bench", "zoo");
const TRAIN = "{ epochs: 1, optimizer: { type: adamw, lr: 0.001 } }";
const T = mkdtempSync(path.join(os.tmpdir(), "kdet-zoo-config-"));

describe("kdet zoo --help", () => {
  it("prints the usage with the command that runs a shipped config", async () => {
    const io = bufferIo();
    expect(await main(["zoo", "--help"], io)).toBe(0);
    const out = io.out.join("");
    expect(out).toMatch(/^Usage: kdet zoo CONFIG/);
    expect(out).toContain("kdet zoo packages/cli/configs/zoo/synthetic.yaml");
    expect(out).toContain("--resume DIR");
  });
  it("without a config it is a usage error", async () => {
    const io = bufferIo();
    expect(await main(["zoo"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/one CONFIG file is required/);
  });
});

describe("shipped zoo configs", () => {
  beforeAll(async () => {
    await initBackend({ backend: "cpu", quiet: true });
  });
  const files = readdirSync(ZOO).filter((f) => f.endsWith(".yaml"));
  it("ships synthetic.yaml, synthetic-resnet.yaml, bccd.yaml and the semi-supervised sweeps", () => {
    expect(files.sort()).toEqual([
      "bccd-tune.yaml",
      "bccd-tuned.yaml",
      "bccd.yaml",
      "semi-bccd-10.yaml",
      "semi-bccd-25.yaml",
      "semi-synthetic-10.yaml",
      "semi-synthetic-25.yaml",
      "synthetic-resnet.yaml",
      "synthetic.yaml",
    ]);
  });
  for (const f of files)
    it(`${f}: parses, every stage validates, every teacher and student builds`, {
      timeout: 300_000,
    }, async () => {
      const z = loadZoo(path.join(ZOO, f));
      // a results sweep has the protocol's 3 seeds; a tuning sweep (evaluated on val) one seed per candidate
      if (z.evalSplit === "test") expect(z.seeds.length).toBeGreaterThanOrEqual(3);
      else expect(z.seeds).toEqual([1]);
      const before = tf.memory().numTensors;
      for (const p of z.pairings) {
        expect(p.methods.length).toBeGreaterThan(0);
        for (const side of [p.teacher, p.student]) {
          const m = pairingModel(side);
          const det = await buildModel({ ...m.model, seed: 0 } as never, 3, `${p.name}.${m.model.type}`);
          expect(det.spec?.id).toBe(m.model.type);
          det.dispose();
        }
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  it("the package README gives the command that runs each shipped sweep", () => {
    const readme = readFileSync(path.join(ZOO, "..", "..", "README.md"), "utf8");
    for (const f of files) expect(readme).toContain(`kdet zoo packages/cli/configs/zoo/${f}`);
  });
  it("bccd-tune.yaml: bccd.yaml's data, student and methods on val, each method with the same number of arms", () => {
    const tune = loadZoo(path.join(ZOO, "bccd-tune.yaml"));
    const bccd = loadZoo(path.join(ZOO, "bccd.yaml"));
    expect(tune.evalSplit).toBe("val");
    expect(bccd.evalSplit).toBe("test");
    expect(tune.data).toEqual(bccd.data);
    const [t, b] = [tune.pairings[0]!, bccd.pairings[0]!];
    expect(t.student).toEqual(b.student);
    expect(t.teacher.weights).toMatch(/yolov8-s-to-n\/teacher\/weights$/);
    const arms = t.methods.map((m) => pairingMethod(m).name);
    // bccd.yaml's methods and confidence-guided (a seed method bccd.yaml did not run)
    const methods = [...(b.methods as string[]), "confidence"];
    const perMethod = methods.map((m) => arms.filter((a) => a === m || a.startsWith(`${m}-`)).length);
    expect(perMethod).toEqual(methods.map(() => 3));
    expect(perMethod.reduce((x, y) => x + y)).toBe(arms.length);
  });
  it("bccd-tuned.yaml: one of bccd-tune.yaml's arms per method, unchanged, 3 seeds on test, the same teacher", () => {
    const tune = loadZoo(path.join(ZOO, "bccd-tune.yaml"));
    const tuned = loadZoo(path.join(ZOO, "bccd-tuned.yaml"));
    expect(tuned.evalSplit).toBe("test");
    expect(tuned.seeds).toEqual([1, 2, 3]);
    expect(tuned.data).toEqual(tune.data);
    const [a, b] = [tune.pairings[0]!, tuned.pairings[0]!];
    expect(b.student).toEqual(a.student);
    expect(b.teacher).toEqual(a.teacher);
    const base = (name: string) => name.split("-")[0];
    const chosen = b.methods.map((m) => pairingMethod(m).name);
    expect(chosen.map(base)).toEqual([...new Set(a.methods.map((m) => base(pairingMethod(m).name)))]);
    for (const m of b.methods) expect(a.methods).toContainEqual(m);
  });
  it("synthetic.yaml and synthetic-resnet.yaml run every seed method on its paper's family, on the same data", () => {
    const [yolo, resnet] = ["synthetic.yaml", "synthetic-resnet.yaml"].map((f) => loadZoo(path.join(ZOO, f)));
    expect([resnet!.synthetic, resnet!.data, resnet!.seeds, resnet!.evalSplit]).toEqual([
      yolo!.synthetic,
      yolo!.data,
      yolo!.seeds,
      yolo!.evalSplit,
    ]);
    const pairings = [...yolo!.pairings, ...resnet!.pairings];
    const where = (method: string) =>
      pairings.filter((p) => p.methods.includes(method)).map((p) => `${p.teacher.type}>${p.student.type}`);
    expect(where("cwd")).toContain("yolov8-s>yolov8-n");
    expect(where("confidence")).toEqual(["yolov8-s>yolov8-n"]);
    expect(where("fsd")).toEqual(["yolox-s>yolox-n"]);
    expect(where("ckd")).toEqual(["yolov5-s>yolov5-n", "gfl-r50>gfl-r18"]);
    expect(where("rdkd")).toEqual([
      "yolov8-s>yolov8-n",
      "retina-r50>retina-r18",
      "fcos-r50>fcos-r18",
      "faster-rcnn-r101>faster-rcnn-r50",
    ]);
    // each pairing compares its seed method with FGD, MGD and CWD
    for (const p of pairings) for (const m of ["cwd", "fgd", "mgd"]) expect(p.methods).toContain(m);
  });
  it("bench/zoo/synthetic-rdkd.yaml: synthetic.yaml's data and YOLOv8 pairing unchanged, RDKD alone", () => {
    const z = loadZoo(path.join(ZOO, "synthetic.yaml"));
    const r = loadZoo(path.join(BENCH_ZOO, "synthetic-rdkd.yaml"));
    expect([r.synthetic, r.data, r.seeds, r.evalSplit]).toEqual([z.synthetic, z.data, z.seeds, z.evalSplit]);
    expect(r.pairings).toEqual([
      { ...z.pairings.find((q) => q.name === "yolov8-s-to-n"), methods: ["rdkd"] },
    ]);
  });
  it("bench/zoo/synthetic-frcnn-rdkd.yaml: synthetic-resnet.yaml's data and Faster R-CNN pairing unchanged, RDKD alone", () => {
    const z = loadZoo(path.join(ZOO, "synthetic-resnet.yaml"));
    const r = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd.yaml"));
    expect([r.synthetic, r.data, r.seeds, r.evalSplit]).toEqual([z.synthetic, z.data, z.seeds, z.evalSplit]);
    expect(r.pairings).toEqual([
      { ...z.pairings.find((q) => q.name === "faster-rcnn-r101-to-r50"), methods: ["rdkd"] },
    ]);
  });
  it("bench/zoo/synthetic-frcnn-rdkd-tune.yaml: synthetic-frcnn-rdkd.yaml's data, student and trained teacher on val, seed 1", () => {
    const r = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd.yaml"));
    const t = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd-tune.yaml"));
    expect([t.synthetic, t.data, t.evalSplit, t.seeds]).toEqual([r.synthetic, r.data, "val", [1]]);
    const p = r.pairings[0]!;
    for (const q of t.pairings) {
      expect([q.data, q.student]).toEqual([p.data, p.student]);
      expect(q.teacher).toEqual({
        type: p.teacher.type,
        weights: expect.stringMatching(/\/faster-rcnn-r101-to-r50\/teacher\/weights$/),
      });
      for (const m of q.methods)
        expect(typeof m === "string" ? m : (m.distill as { method: string }).method).toBe("rdkd");
    }
  });
  it("bench/zoo/synthetic-frcnn-rdkd-tuned.yaml: one arm of the tuning round, unchanged, 3 seeds on test", () => {
    const t = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd-tune.yaml"));
    const d = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd-tuned.yaml"));
    expect([d.synthetic, d.data, d.evalSplit, d.seeds]).toEqual([t.synthetic, t.data, "test", [1, 2, 3]]);
    const [p] = d.pairings;
    expect(d.pairings).toHaveLength(1);
    expect([p!.data, p!.student, p!.teacher]).toEqual([
      t.pairings[0]!.data,
      t.pairings[0]!.student,
      t.pairings[0]!.teacher,
    ]);
    expect(p!.methods).toHaveLength(1);
    expect(t.pairings.flatMap((q) => q.methods)).toContainEqual(p!.methods[0]);
  });
  it("configs/rdkd-faster-rcnn-r101-to-r50.yaml is the measured arm of synthetic-frcnn-rdkd-tuned.yaml", () => {
    const z = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd-tuned.yaml"));
    const [p] = z.pairings;
    const [q] = loadZoo(path.join(BENCH_ZOO, "synthetic-frcnn-rdkd.yaml")).pairings;
    const e = readConfigFile(path.join(ZOO, "..", "rdkd-faster-rcnn-r101-to-r50.yaml")) as Record<
      string,
      Record<string, unknown>
    >;
    const omit = (o: unknown, ...keys: string[]) =>
      Object.fromEntries(Object.entries(o as object).filter(([k]) => !keys.includes(k)));
    // the models and schedules of the zoo's stages (the shipped config validates every epoch or two)
    expect(omit(e.model, "seed")).toEqual(pairingModel(p!.student).model);
    expect(omit(e.teacher, "seed", "train")).toEqual(pairingModel(q!.teacher).model);
    expect(omit(e.train, "valEvery")).toEqual(omit(p!.student.train, "valEvery", "checkpointEvery"));
    expect(omit(e.teacher!.train, "valEvery")).toEqual(omit(q!.teacher.train, "valEvery", "checkpointEvery"));
    expect(e.distill).toEqual([(p!.methods[0] as { distill: unknown }).distill]);
    // the zoo's generated splits, at its image size
    for (const split of ["train", "val", "test"] as const)
      expect(e.data![split]).toEqual({
        type: "synthetic",
        size: 128,
        ...z.synthetic!.options,
        ...z.synthetic!.splits[split],
      });
    expect(omit(e.data, "train", "val", "test")).toEqual({ ...z.data, ...p!.data });
  });
});

describe("semi-supervised zoo configs", () => {
  for (const [f, fraction] of [
    ["semi-synthetic-10.yaml", 0.1],
    ["semi-synthetic-25.yaml", 0.25],
    ["semi-bccd-10.yaml", 0.1],
    ["semi-bccd-25.yaml", 0.25],
  ] as const)
    it(`${f}: ${fraction * 100}% labels for teacher and students; confidence, adaptive, pseudo-labels, ceiling`, () => {
      const z = loadZoo(path.join(ZOO, f));
      expect(z.data.semi).toEqual({ labelledFraction: fraction, seed: 1, labelledRatio: 0.25 });
      const methods = z.pairings[0]!.methods.map(pairingMethod);
      expect(methods.map((m) => m.name)).toEqual(["confidence", "adaptive", "pseudo", "full-labels"]);
      const [confidence, adaptive, pseudo, full] = methods;
      const ch = { student: [1, 1, 1], teacher: [1, 1, 1] };
      expect(confidence!.distill!(ch)).toEqual({ method: "confidence", loss: { boxWeight: 1 } });
      expect(adaptive!.distill!(ch)).toEqual([{ method: "adaptive" }]);
      expect(pseudo!.distill!(ch)).toEqual(confidence!.distill!(ch));
      expect(pseudo!.train).toEqual({ pseudoLabels: { threshold: 0.5, weight: 1 } });
      // the ceiling: no teacher, every training label (data.semi removed)
      expect(full!.distill).toBeUndefined();
      expect(overrideKeys(z.data, full!.data)).not.toHaveProperty("semi");
    });
  it("overrideKeys: keys replace, null removes, the base is not changed", () => {
    const base = { a: 1, b: { c: 2 }, d: 3 };
    expect(overrideKeys(base, { b: { e: 4 }, d: null })).toEqual({ a: 1, b: { e: 4 } });
    expect(base).toEqual({ a: 1, b: { c: 2 }, d: 3 });
    expect(overrideKeys(base, undefined)).toBe(base);
  });
});

describe("bad zoo configs", () => {
  const write = (name: string, text: string) => {
    const f = path.join(T, name);
    writeFileSync(f, text);
    return f;
  };
  const base = (pairing: string) => `name: bad
data: { train: { type: synthetic, seed: 1, numImages: 4, size: 64 }, imageSize: 64, batchSize: 2 }
seeds: [1]
pairings:
${pairing}`;
  it("an unknown model type names the file, the pairing and the allowed types", () => {
    const f = write(
      "type.yaml",
      base(
        `  - { name: p, teacher: { type: yolov8-s, train: ${TRAIN} }, student: { type: yolov9-n, train: ${TRAIN} }, methods: [cwd] }`,
      ),
    );
    expect(() => loadZoo(f)).toThrow(/type\.yaml: pairings\[0\] \(p\) student.*yolov9-n/s);
  });
  it("a method named twice is refused", () => {
    const f = write(
      "twice.yaml",
      base(
        `  - { name: p, teacher: { type: yolov8-s, train: ${TRAIN} }, student: { type: yolov8-n, train: ${TRAIN} }, methods: [cwd, cwd] }`,
      ),
    );
    expect(() => loadZoo(f)).toThrow(/method "cwd" is named twice/);
  });
  it("a method with both method and distill, or a bad train / data override, is refused naming it", () => {
    const pairing = (method: string) =>
      `  - { name: p, teacher: { type: yolov8-s, train: ${TRAIN} }, student: { type: yolov8-n, train: ${TRAIN} }, methods: [${method}] }`;
    expect(() =>
      loadZoo(write("both.yaml", base(pairing("{ name: m, method: cwd, distill: [{ method: cwd }] }")))),
    ).toThrow(/both\.yaml: pairings\.0\.methods\.0: .*`method` or `distill`, not both/);
    expect(() =>
      loadZoo(write("train.yaml", base(pairing("{ name: m, method: cwd, train: { epochz: 2 } }")))),
    ).toThrow(/train\.yaml: pairings\[0\] \(p\) method m.*epochz/s);
    expect(() =>
      loadZoo(write("data.yaml", base(pairing("{ name: full, data: { imageSize: 65 } }")))),
    ).toThrow(/data\.yaml: pairings\[0\] \(p\) method full.*imageSize.*65/s);
  });
  it("a pairing's data keys replace the sweep's in its stages: a bad one is refused naming the pairing's teacher", () => {
    const pairing = (data: string) =>
      `  - { name: p, data: ${data}, teacher: { type: yolov8-s, train: ${TRAIN} }, student: { type: yolov8-n, train: ${TRAIN} }, methods: [cwd] }`;
    expect(() => loadZoo(write("pdata.yaml", base(pairing("{ batchSize: 0 }"))))).toThrow(
      /pdata\.yaml: pairings\[0\] \(p\) teacher.*batchSize/s,
    );
    expect(loadZoo(write("pdata-ok.yaml", base(pairing("{ batchSize: 1 }")))).pairings[0]!.data).toEqual({
      batchSize: 1,
    });
  });
  it("a zoo-level error names the field", () => {
    const f = write("seeds.yaml", base("  []").replace("seeds: [1]", "seeds: []"));
    expect(() => loadZoo(f)).toThrow(/seeds\.yaml: seeds: /);
  });
});
