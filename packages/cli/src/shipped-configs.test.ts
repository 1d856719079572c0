import "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "@kdet/core";
import { SYNTHETIC_CLASS_NAMES } from "@kdet/data";
import { beforeAll, describe, expect, it } from "vitest";
import { loadExperiment, readConfigFile } from "./config-load";
import { experimentJsonSchema, isPretrained } from "./config-schema";
import { loadSplit } from "./datasets";
import { buildDistiller } from "./distiller-build";
import { detectorTeacher, inferBatch, type Teacher } from "./detectors-api";
import { buildModel, loadPretrained } from "./models";
import { parseSetArg } from "./set-override";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "configs");
const yamls = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const shared = process.env.KDET_DATA ?? path.join(dir, "..", "..", "..", "..", "shared");
const HAVE_COCO128 = existsSync(path.join(shared, "datasets", "coco128", "data.yaml"));
if (!HAVE_COCO128)
  console.warn(
    `[shipped-configs] skipping the coco128 configs: ${shared}/datasets/coco128 not found (set KDET_DATA)`,
  );
/** Shipped paths are relative to the repo root (`../shared/...`): point them at KDET_DATA, as --set would. */
const sharedOverrides = (raw: unknown) =>
  ["train", "val", "test"].flatMap((k) => {
    const y = (raw as { data?: Record<string, { dataYaml?: string }> }).data?.[k]?.dataYaml;
    return y?.startsWith("../shared/")
      ? [parseSetArg(`data.${k}.dataYaml=${path.join(shared, y.slice("../shared/".length))}`)]
      : [];
  });

/** The real-data configs read their dataset folder from KDET_DATASETS (default ../shared/datasets). */
process.env.KDET_DATASETS ??= path.join(shared, "datasets");

beforeAll(() => initBackend({ quiet: true }));

describe("shipped configs", () => {
  it("cover the seed methods and baselines that exist in the registry", () => {
    expect(yamls).toEqual([
      "ckd-gfl-r50-to-r18.yaml",
      "ckd-yolov5s-to-n.yaml",
      "confidence-centernet-to-yolov8n.yaml",
      "cwd-yolov8s-to-n-bccd.yaml",
      "cwd-yolov8s-to-n.yaml",
      "fsd-yolox-l-to-s.yaml",
      "rdkd-faster-rcnn-r101-to-r50.yaml",
      "rdkd-fcos-r50-to-r18.yaml",
      "rdkd-gfl-r50-to-r18.yaml",
      "rdkd-retina-r50-to-r18.yaml",
      "semi-adaptive-synthetic.yaml",
      "semi-confidence-bccd.yaml",
      "semi-confidence-synthetic.yaml",
      "yolov8n-baseline.yaml",
      "yolov8n-bccd.yaml",
      "yolov8n-coco128.yaml",
      "yolov8s-teacher.yaml",
    ]);
  });

  it("configs/kdet.schema.json is the current JSON Schema (regenerate: kdet config schema --out configs/kdet.schema.json)", () => {
    expect(JSON.parse(readFileSync(path.join(dir, "kdet.schema.json"), "utf8"))).toEqual(
      JSON.parse(JSON.stringify(experimentJsonSchema())),
    );
  });

  for (const f of yamls) {
    const usesShared = readFileSync(path.join(dir, f), "utf8").includes("../shared/");
    it.skipIf(usesShared && !HAVE_COCO128)(
      `${f}: validates, its models build and its distillation terms run on the models' real features`,
      async () => {
        const file = path.join(dir, f);
        const exp = loadExperiment(file, sharedOverrides(readConfigFile(file)));
        expect(exp.name).toBe(f.replace(/\.yaml$/, ""));
        const K =
          exp.data.train.type === "synthetic"
            ? SYNTHETIC_CLASS_NAMES.length
            : (await loadSplit(exp.data.train, "train")).classNames.length;
        const before = tf.memory().numTensors;
        const student = await buildModel(exp.model, K, "model");
        if (!exp.teacher) {
          expect(exp.distill).toEqual([]);
          student.dispose();
          return;
        }
        const t = exp.teacher;
        let teacher: Teacher;
        if (isPretrained(t)) teacher = await loadPretrained(t.pretrained, "teacher.pretrained");
        else {
          expect(t.train ?? t.weights).toBeDefined();
          teacher = detectorTeacher(await buildModel(t, K, "teacher"));
        }
        const distiller = buildDistiller(exp.distill, student, teacher, 0, exp.data.imageSize);
        const size = exp.data.imageSize;
        const x = tf.randomUniform([2, size, size, 3], 0, 1, "float32", 3) as tf.Tensor4D;
        const boxes = [
          Float32Array.from([4, 4, size / 2, size / 2]),
          Float32Array.from([size / 4, size / 8, size - 2, size - 3]),
        ];
        const names = distiller.requiredFeatures.teacher;
        const batch = {
          images: x.dataSync() as Float32Array,
          batchSize: 2,
          height: size,
          width: size,
          items: boxes.map((b, i) => ({ boxes: b, classes: Int32Array.from([i + 1]) })),
        };
        const live = (await inferBatch(teacher, batch, { maps: names })).maps;
        const parts = tf.tidy(() => {
          const tm = live;
          const s = student.forwardWithTaps(x, distiller.requiredFeatures.student).taps;
          const r = distiller.compute(s, tm, {
            boxes,
            labels: [Int32Array.from([1]), Int32Array.from([2])],
            imageSize: [size, size],
          });
          return Object.fromEntries(Object.entries(r.parts).map(([k, v]) => [k, v.dataSync()[0]!]));
        });
        tf.dispose(Object.values(live));
        const type = exp.distill[0]!.loss;
        expect(Object.keys(parts).length).toBeGreaterThan(0);
        if (type !== undefined) {
          // raw terms: every part is named after the term's loss (a method preset names its own parts)
          const id = Array.isArray(type) ? type[0]!.type : type.type;
          expect(Object.keys(parts).filter((k) => k !== id && !k.startsWith(`${id}/`))).toEqual([]);
        }
        for (const [k, v] of Object.entries(parts))
          expect(Number.isFinite(v) && v >= 0, `${k} = ${v}`).toBe(true);
        x.dispose();
        [distiller, teacher, student].forEach((m) => m.dispose());
        expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 64); // adapters' initialisers may stay cached in @kdet/losses
      },
      120_000,
    );
  }
});
