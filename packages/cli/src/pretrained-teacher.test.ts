import * as tf from "@tensorflow/tfjs-core";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { loadExperiment } from "./config-load";
import { namedVariables } from "./detectors-api";
import { main } from "./main";
import { buildModel, loadModelFolder } from "./models";
import { RUN_FILES } from "./run-folder";

const shared = process.env.KDET_DATA ?? path.join(import.meta.dirname, "..", "..", "..", "..", "shared");
const coco = path.join(shared, "datasets", "coco128");
const HAVE_COCO128 = existsSync(path.join(coco, "data.yaml"));
if (!HAVE_COCO128) console.warn(`[pretrained-teacher] skipping: ${coco} not found (set KDET_DATA)`);

const root = mkdtempSync(path.join(os.tmpdir(), "kdet-pretrained-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A 4-image YOLO dataset (the first coco128 val2017 images and their labels) in the temp folder. */
function tinyCoco(): string {
  const dir = path.join(root, "coco4");
  for (const k of ["images", "labels"]) mkdirSync(path.join(dir, k, "val2017"), { recursive: true });
  for (const img of readdirSync(path.join(coco, "images", "val2017"))
    .sort()
    .slice(0, 4)) {
    copyFileSync(path.join(coco, "images", "val2017", img), path.join(dir, "images", "val2017", img));
    const lbl = img.replace(/\.jpg$/, ".txt");
    if (existsSync(path.join(coco, "labels", "val2017", lbl)))
      copyFileSync(path.join(coco, "labels", "val2017", lbl), path.join(dir, "labels", "val2017", lbl));
  }
  writeFileSync(
    path.join(dir, "data.yaml"),
    readFileSync(path.join(coco, "data.yaml"), "utf8").replace(/^train:.*$/m, "train: images/val2017"),
  );
  return path.join(dir, "data.yaml");
}

const config = (dataYaml: string, teacher: string, extra = "") => `name: pt
data:
  train: {type: yolo, dataYaml: ${dataYaml}, split: val}
  imageSize: 64
  batchSize: 2
  augment: false
  cache: true
model: {type: yolov8-n, seed: 5}
teacher: ${teacher}
distill:
  - loss: {type: cwd, tau: 1}
    weight: 5
    student: neck.p3
    teacher: neck.p3
    align: resize
    adapter: auto
${extra}train:
  epochs: 1
  optimizer: {type: sgd, lr: 0.01}
  ema: false
  valEvery: 0
output: {dir: ${path.join(root, "runs")}, samples: 0}
`;

async function kdet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

const write = (name: string, text: string) => {
  const f = path.join(root, name);
  writeFileSync(f, text);
  return f;
};

/** The run's 2 steps logged a positive CWD part and the student's weights moved from their (seeded) initial values. */
async function expectTrained(f: string, name: string): Promise<void> {
  const runDir = path.join(root, "runs", name);
  const log = readFileSync(path.join(runDir, RUN_FILES.metrics), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { kind: string; parts?: Record<string, number> });
  const steps = log.filter((e) => e.kind === "step");
  expect(steps).toHaveLength(2);
  expect(steps.every((s) => Number.isFinite(s.parts!.cwd) && s.parts!.cwd! > 0)).toBe(true);
  const init = await buildModel(loadExperiment(f).model, 80, "model");
  const trained = await loadModelFolder(path.join(runDir, RUN_FILES.weights), "weights");
  const a = namedVariables(init).filter((v) => v.kind !== "buffer");
  const b = new Map(namedVariables(trained).map((v) => [v.name, v.variable] as const));
  const moved = a.filter(
    (v) => tf.tidy(() => tf.max(tf.abs(tf.sub(v.variable, b.get(v.name)!))).dataSync()[0]!) > 0,
  );
  expect(moved.length).toBeGreaterThan(0.9 * a.length);
  [init, trained].forEach((m) => m.dispose());
}

describe.skipIf(!HAVE_COCO128)(
  "kdet distill with a pretrained teacher (CenterNet, 4 coco128 images, 64 px)",
  () => {
    it("config errors: an unknown pretrained id lists the allowed ids; a cache needs augment off; a term without align names the sizes", async () => {
      const y = tinyCoco();
      expect(() => loadExperiment(write("bad-id.yaml", config(y, "{pretrained: yolo-world}")))).toThrow(
        /teacher\.pretrained: got "yolo-world"; allowed: one of "centernet-mbv3", "nanodet-g"/,
      );
      const aug = config(y, "{pretrained: centernet-mbv3, cache: c}").replace(
        "augment: false",
        "augment: {mosaic: 0}",
      );
      expect(() => loadExperiment(write("aug.yaml", aug))).toThrow(
        /data\.augment: teacher\.cache holds the teacher's maps of the un-augmented images.*set data\.augment: false/,
      );
      const noAlign = write(
        "noalign.yaml",
        config(y, "{pretrained: centernet-mbv3}").replace("    align: resize\n", ""),
      );
      const r = await kdet("distill", "--config", noAlign);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /distill\[0\]\.align: the teacher map "neck\.p3" is 64×64 but the student's "neck\.p3" is 8×8 at data\.imageSize; allowed: "resize"/,
      );
    }, 60_000);

    it("kdet cache build, then kdet distill from the cache updates the student; a mismatching cache is refused naming the field", async () => {
      const y = tinyCoco();
      const cacheDir = path.join(root, "cache-cn");
      const f = write("pt.yaml", config(y, "{pretrained: centernet-mbv3}"));
      const built = await kdet("cache", "build", "--config", f, "--out", cacheDir);
      expect(built.err + built.out).toContain("teacher cache:");
      expect(built.code).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(cacheDir, "manifest.json"), "utf8")) as {
        teacher: { id: string };
        taps: Array<{ name: string; shape: number[] }>;
        samples: unknown[];
        inputSize: number[];
      };
      expect(manifest.teacher.id).toBe("centernet-mbv3");
      expect(manifest.taps.map((t) => [t.name, t.shape])).toEqual([["neck.p3", [64, 64, 192]]]);
      expect(manifest.samples).toHaveLength(4);
      expect(manifest.inputSize).toEqual([64, 64]);
      // refuses to overwrite
      expect((await kdet("cache", "build", "--config", f, "--out", cacheDir)).err).toMatch(
        /--out: .* exists/,
      );

      // another input size than the cache's: refused before training, naming the manifest field
      const wrong = await kdet(
        "distill",
        "--config",
        f,
        "--set",
        `teacher.cache=${cacheDir}`,
        "--set",
        "data.imageSize=96",
        "--name",
        "wrong",
      );
      expect(wrong.code).toBe(1);
      expect(wrong.err).toMatch(
        /teacher\.cache \(manifest field inputSize\): .*"inputSize" is \[64,64\], the run expects \[96,96\]/,
      );

      const r = await kdet(
        "distill",
        "--config",
        f,
        "--set",
        `teacher.cache=${cacheDir}`,
        "--name",
        "cached",
      );
      expect(r.err).not.toMatch(/error/);
      expect(r.code).toBe(0);
      await expectTrained(f, "cached");
    }, 120_000);

    it("kdet distill with the live pretrained teacher trains the student (no cache)", async () => {
      const f = write("live.yaml", config(tinyCoco(), "{pretrained: centernet-mbv3}"));
      const r = await kdet("distill", "--config", f, "--name", "live");
      expect(r.err).not.toMatch(/error/);
      expect(r.code).toBe(0);
      expect(readFileSync(path.join(root, "runs", "live", RUN_FILES.report), "utf8")).toContain(
        "pretrained centernet-mbv3",
      );
      await expectTrained(f, "live");
    }, 60_000);
  },
);
