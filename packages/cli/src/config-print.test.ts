import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "@kdet/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadExperiment } from "./config-load";
import { expandPresets, resolvedConfigText } from "./config-print";
import type { ExperimentInput } from "./config-schema";
import { expandMethods } from "./distiller-build";
import { createDetector, detectorTeacher } from "./detectors-api";
import { METHOD_IDS } from "./methods";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "configs");
const shared = process.env.KDET_DATA ?? path.join(dir, "..", "..", "..", "..", "shared");
process.env.KDET_DATASETS ??= path.join(shared, "datasets");
const T = mkdtempSync(path.join(os.tmpdir(), "kdet-config-print-"));
beforeAll(() => initBackend({ quiet: true }));
afterAll(() => rmSync(T, { recursive: true, force: true }));

/** The printed text of `file`, written to a new file, and that file. */
function printTo(file: string, name: string): { text: string; printed: string } {
  const text = resolvedConfigText(file, [], "yaml");
  const printed = path.join(T, name);
  writeFileSync(printed, text);
  return { text, printed };
}

/** A config file in the temporary folder. */
function configFile(name: string, c: ExperimentInput | Record<string, unknown>): string {
  const f = path.join(T, name);
  writeFileSync(f, stringify(c));
  return f;
}

const synthetic = { type: "synthetic", numImages: 8, size: 64, seed: 1 };
const base = {
  data: { train: synthetic, imageSize: 64, batchSize: 2 },
  train: { epochs: 1, optimizer: { type: "sgd" } },
};

describe("kdet config print: the resolved config loads to the same experiment", () => {
  const yamls = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  for (const f of yamls) {
    const file = path.join(dir, f);
    // the real-data configs read their datasets from KDET_DATASETS or ../shared/datasets
    const missing =
      /KDET_DATASETS|\.\.\/shared\//.test(readFileSync(file, "utf8")) &&
      !existsSync(path.join(shared, "datasets"));
    it.skipIf(missing)(`${f}${missing ? ` (skipped: ${shared} not found, set KDET_DATA)` : ""}`, () => {
      const { text, printed } = printTo(file, f);
      expect(text.split("\n")[0]).toBe(`# kdet config print ${file}`);
      expect(text).not.toMatch(/\$\{/); // environment references replaced
      const loaded = loadExperiment(file);
      expect(loadExperiment(printed)).toEqual(expandPresets(loaded).experiment);
      // printing the printed config changes nothing but the header's file name
      const again = resolvedConfigText(printed, [], "yaml");
      expect(again.split("\n").slice(1)).toEqual(text.split("\n").slice(1));
    });
  }

  it("environment variables, --set overrides and defaults are resolved; --json prints the same values", () => {
    process.env.KDET_PRINT_TEST_DIR = "/data/runs-from-env";
    const file = configFile("env.yaml", {
      ...base,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${VAR} reference in a config string
      output: { dir: "${KDET_PRINT_TEST_DIR}" },
      model: { type: "yolov8-n" },
    });
    const sets = [{ path: ["train", "epochs"], value: 3, raw: "train.epochs=3" }];
    const text = resolvedConfigText(file, sets, "yaml");
    expect(text.split("\n")[0]).toBe(`# kdet config print ${file} --set train.epochs=3`);
    const printed = path.join(T, "env-printed.yaml");
    writeFileSync(printed, text);
    const exp = loadExperiment(printed);
    expect(exp.output.dir).toBe("/data/runs-from-env");
    expect(exp.train.epochs).toBe(3);
    expect(exp.eval.maxDetections).toBe(300); // a default, written out
    expect(text).toMatch(/^ {2}maxDetections: 300$/m);
    expect(JSON.parse(resolvedConfigText(file, sets, "json"))).toEqual(JSON.parse(JSON.stringify(exp)));
  });
});

describe("kdet config print expands method presets without building the models", () => {
  // the static map description of every detector is checked against its built maps in @kdet/detectors
  const pairs = [{ student: "yolov8-n", teacher: "yolov8-s" }] as const;
  for (const p of pairs)
    it(`every method on ${p.teacher} → ${p.student}: the printed terms equal the run's (built models)`, {
      timeout: 300_000,
    }, () => {
      const student = createDetector(p.student, { numClasses: 3 });
      const teacher = detectorTeacher(createDetector(p.teacher, { numClasses: 3 }));
      for (const method of METHOD_IDS) {
        const cfg = {
          ...base,
          model: { type: p.student },
          teacher: { type: p.teacher, weights: "teacher-weights" },
          distill: { method, weight: 2 },
        };
        const file = configFile(`${method}-${p.student}.yaml`, cfg);
        let runtime: unknown;
        try {
          runtime = expandMethods(loadExperiment(file).distill, student, teacher).map((e) => e.term);
        } catch (e) {
          // a method the pair cannot use is refused the same way, naming the method
          expect(() => resolvedConfigText(file, [], "yaml"), method).toThrow((e as Error).message);
          continue;
        }
        const { text, printed } = printTo(file, `${method}-${p.student}-printed.yaml`);
        expect(text, method).not.toMatch(/method:/);
        expect(loadExperiment(printed).distill, method).toEqual(runtime);
      }
      student.dispose();
      teacher.dispose();
    });

  it("a pretrained teacher's preset stays as written, with a comment saying why", () => {
    const file = configFile("pretrained.yaml", {
      ...base,
      model: { type: "yolov8-n" },
      teacher: { pretrained: "nanodet-g" },
      distill: [{ method: "at", levels: ["p3"] }],
    });
    const { text, printed } = printTo(file, "pretrained-printed.yaml");
    expect(text).toMatch(/^# distill\[0\] \(method at\) stays a preset: the pretrained teacher's maps/m);
    expect(loadExperiment(printed)).toEqual(loadExperiment(file));
  });
});
