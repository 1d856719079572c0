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
import { loadZoo, pairingModel } from "./zoo-config";

const ZOO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "configs", "zoo");
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
  it("ships synthetic.yaml and bccd.yaml", () => {
    expect(files.sort()).toEqual(["bccd.yaml", "synthetic.yaml"]);
  });
  for (const f of files)
    it(`${f}: parses, every stage validates, every teacher and student builds`, {
      timeout: 300_000,
    }, async () => {
      const z = loadZoo(path.join(ZOO, f));
      expect(z.seeds.length).toBeGreaterThanOrEqual(3);
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
  it("synthetic.yaml runs every seed method on its paper's family", () => {
    const z = loadZoo(path.join(ZOO, "synthetic.yaml"));
    const where = (method: string) =>
      z.pairings.filter((p) => p.methods.includes(method)).map((p) => `${p.teacher.type}>${p.student.type}`);
    expect(where("cwd")).toContain("yolov8-s>yolov8-n");
    expect(where("confidence")).toEqual(["yolov8-s>yolov8-n"]);
    expect(where("fsd")).toEqual(["yolox-s>yolox-n"]);
    expect(where("ckd")).toEqual(["gfl-r50>gfl-r18"]);
    expect(where("rdkd")).toEqual(["retina-r50>retina-r18", "fcos-r50>fcos-r18"]);
    // each pairing compares its seed method with FGD, MGD and CWD
    for (const p of z.pairings) for (const m of ["cwd", "fgd", "mgd"]) expect(p.methods).toContain(m);
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
  it("a zoo-level error names the field", () => {
    const f = write("seeds.yaml", base("  []").replace("seeds: [1]", "seeds: []"));
    expect(() => loadZoo(f)).toThrow(/seeds\.yaml: seeds: /);
  });
});
