import "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "@kdet/core";
import { SYNTHETIC_CLASS_NAMES } from "@kdet/data";
import { beforeAll, describe, expect, it } from "vitest";
import { loadExperiment } from "./config-load";
import { experimentJsonSchema } from "./config-schema";
import { buildDistiller } from "./distiller-build";
import { buildModel } from "./models";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "configs");
const yamls = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

beforeAll(() => initBackend({ quiet: true }));

describe("shipped configs", () => {
  it("cover the seed methods and baselines that exist in the registry", () => {
    expect(yamls).toEqual(["ckd-gfl-r50-to-r18.yaml", "cwd-yolov8s-to-n.yaml", "fsd-yolov8s-to-n.yaml", "rdkd-gfl-r50-to-r18.yaml", "yolov8n-baseline.yaml", "yolov8s-teacher.yaml"]);
  });

  it("configs/kdet.schema.json is the current JSON Schema (regenerate: kdet config schema --out configs/kdet.schema.json)", () => {
    expect(JSON.parse(readFileSync(path.join(dir, "kdet.schema.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(experimentJsonSchema())));
  });

  for (const f of yamls) {
    it(`${f}: validates, its models build and its distillation terms run on the models' real features`, async () => {
      const exp = loadExperiment(path.join(dir, f));
      expect(exp.name).toBe(f.replace(/\.yaml$/, ""));
      const K = SYNTHETIC_CLASS_NAMES.length;
      const before = tf.memory().numTensors;
      const student = await buildModel(exp.model, K, "model");
      if (!exp.teacher) {
        expect(exp.distill).toEqual([]);
        student.dispose();
        return;
      }
      expect(exp.teacher.train ?? exp.teacher.weights).toBeDefined();
      const teacher = await buildModel(exp.teacher, K, "teacher");
      const distiller = buildDistiller(exp.distill, student, teacher, 0);
      const size = exp.data.imageSize;
      const x = tf.randomUniform([2, size, size, 3], 0, 1, "float32", 3) as tf.Tensor4D;
      const boxes = [Float32Array.from([4, 4, size / 2, size / 2]), Float32Array.from([size / 4, size / 8, size - 2, size - 3])];
      const parts = tf.tidy(() => {
        const t = teacher.forwardWithTaps(x, distiller.requiredFeatures.teacher).taps;
        const s = student.forwardWithTaps(x, distiller.requiredFeatures.student).taps;
        const r = distiller.compute(s, t, { boxes, labels: [Int32Array.from([1]), Int32Array.from([2])], imageSize: [size, size] });
        return Object.fromEntries(Object.entries(r.parts).map(([k, v]) => [k, v.dataSync()[0]!]));
      });
      const type = exp.distill[0]!.loss;
      expect(Object.keys(parts).length).toBeGreaterThan(0);
      const id = Array.isArray(type) ? type[0]!.type : type.type;
      expect(Object.keys(parts).filter((k) => k !== id && !k.startsWith(`${id}/`))).toEqual([]);
      for (const [k, v] of Object.entries(parts)) expect(Number.isFinite(v) && v >= 0, `${k} = ${v}`).toBe(true);
      x.dispose();
      [distiller, teacher, student].forEach((m) => m.dispose());
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 64); // adapters' initialisers may stay cached in @kdet/losses
    });
  }
});
