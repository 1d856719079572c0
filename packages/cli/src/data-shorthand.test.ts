// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write ${VAR} references into config strings
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expandEnv } from "./config-env";
import { loadExperiment } from "./config-load";
import { loadSplits } from "./datasets";
import { CliError } from "./errors";

const shared = process.env.KDET_DATA!;
const bccd = path.join(shared, "datasets", "bccd");
const coco128 = path.join(shared, "datasets", "coco128", "data.yaml");
const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-shorthand-"));
const config = (name: string, data: string) => {
  const f = path.join(dir, name);
  writeFileSync(
    f,
    `data:\n${data}\n  imageSize: 64\nmodel: {type: yolov8-n}\ntrain: {epochs: 1, optimizer: {type: sgd, lr: 0.01}}\n`,
  );
  return f;
};
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CliError) return e.message;
    throw e;
  }
  throw new Error("expected a CliError");
};

describe("config environment variables", () => {
  it("replaces ${NAME} and ${NAME:-default} in strings; an unset variable without default names the key", () => {
    const env = { ROOT: "/data", EMPTY: "" };
    expect(
      expandEnv({ a: "${ROOT}/bccd", b: ["x${MISSING:-../d}y", 3], c: { d: "${EMPTY:-z}" } }, "f.yaml", env),
    ).toEqual({ a: "/data/bccd", b: ["x../dy", 3], c: { d: "z" } });
    expect(message(() => expandEnv({ data: { dataset: { root: "${NOPE}/x" } } }, "f.yaml", env))).toBe(
      "invalid config f.yaml: data.dataset.root: environment variable NOPE is not set; allowed: set it, or give a default as ${NOPE:-value}",
    );
  });
});

describe("data.dataset: one dataset for train/val/test", () => {
  it("VOC (BCCD): each split from ImageSets/Main; the loaded splits are the lists' images", async () => {
    process.env.KDET_TEST_DATASETS = path.join(shared, "datasets");
    const exp = loadExperiment(
      config(
        "bccd.yaml",
        "  dataset: {type: voc, root: '${KDET_TEST_DATASETS}/bccd', annotationDir: Annotations}",
      ),
    );
    for (const s of ["train", "val", "test"] as const)
      expect(exp.data[s]).toMatchObject({ type: "voc", root: bccd, split: s, annotationDir: "Annotations" });
    expect("dataset" in exp.data).toBe(false);
    const splits = await loadSplits(exp.data);
    expect([splits.train, splits.val!, splits.test!].map((d) => d.records.length)).toEqual([205, 87, 72]);
  });

  it("YOLO (coco128): the splits data.yaml names (train, val; no test); an explicit split is kept", () => {
    const exp = loadExperiment(config("c128.yaml", `  dataset: {type: yolo, dataYaml: '${coco128}'}`));
    expect([exp.data.train.type, (exp.data.train as { split: string }).split]).toEqual(["yolo", "train"]);
    expect((exp.data.val as { split: string }).split).toBe("val");
    expect(exp.data.test).toBeUndefined();
    const kept = loadExperiment(
      config(
        "kept.yaml",
        `  dataset: {type: voc, root: '${bccd}'}\n  test: {type: voc, root: '${bccd}', split: trainval}`,
      ),
    );
    expect((kept.data.test as { split: string }).split).toBe("trainval");
  });

  it("errors name data.dataset's key and what is allowed", () => {
    expect(
      message(() =>
        loadExperiment(config("coco.yaml", "  dataset: {type: coco, annotationFile: a.json, imageDir: i}")),
      ),
    ).toMatch(/data\.dataset\.type: got "coco"; allowed: voc, yolo/);
    expect(
      message(() =>
        loadExperiment(config("split.yaml", `  dataset: {type: voc, root: '${bccd}', split: val}`)),
      ),
    ).toMatch(/data\.dataset\.split: not allowed here/);
    expect(
      message(() => loadExperiment(config("none.yaml", `  dataset: {type: voc, root: '${dir}'}`))),
    ).toMatch(/data\.dataset\.root: no train split found \(root\/ImageSets\/Main/);
  });
});
