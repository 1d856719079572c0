import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { experimentYaml, loadExperiment, parseConfigText, validateExperiment } from "./config-load";
import { experimentJsonSchema } from "./config-schema";
import { DETECTOR_IDS } from "./detectors-config";
import { CliError } from "./errors";
import { parseSetArg } from "./set-override";

const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-config-"));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};
const MINIMAL = `data:
  train: {type: synthetic, numImages: 8, size: 64}
  imageSize: 64
model: {type: yolov8-n}
train:
  epochs: 2
  optimizer: {type: sgd, lr: 0.01}
`;
const errorOf = (fn: () => unknown): CliError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error("expected a CliError");
};

describe("experiment config", () => {
  it("YAML and JSON give the same resolved config, with defaults filled in", () => {
    const a = loadExperiment(write("a.yaml", MINIMAL));
    const b = loadExperiment(write("b.json", JSON.stringify(parseConfigText(MINIMAL, "x"))));
    expect(a).toEqual(b);
    expect(a.data.batchSize).toBe(16);
    expect(a.train.schedule.type).toBe("cosine");
    expect(a.eval.iouThreshold).toBe(0.7);
    expect(a.output.dir).toBe("runs");
    // the printed (saved) config reloads to itself
    expect(loadExperiment(write("resolved.yaml", experimentYaml(a)))).toEqual(a);
  });

  it("--set overrides are validated like the file", () => {
    const f = write("c.yaml", MINIMAL);
    expect(
      loadExperiment(f, [parseSetArg("train.epochs=9"), parseSetArg("data.batchSize=4")]).train.epochs,
    ).toBe(9);
    const e = errorOf(() => loadExperiment(f, [parseSetArg("train.epochs=-1")]));
    expect(e.message).toContain("(with --set train.epochs=-1)");
    expect(e.message).toContain("train.epochs: got -1; allowed: > 0");
  });

  it("errors name the file, the key, the bad value and what is allowed", () => {
    const f = write(
      "bad.yaml",
      `data:
  train: {type: synth}
  imageSize: 100
  batchsize: 8
model: {type: yolov8-x}
train:
  epochs: 2
  optimizer: {type: sgd, lr: fast}
  schedule: {type: exponential}
distill:
  - {loss: {type: cwd, tau: 0}, student: neck.p3, teacher: neck.p3}
`,
    );
    const e = errorOf(() => loadExperiment(f));
    expect(e.exitCode).toBe(1);
    const m = e.message;
    expect(m).toContain(`invalid config ${f}:`);
    expect(m).toContain(
      `data.train.type: got "synth"; allowed: one of "coco", "yolo", "voc", "flir", "synthetic"`,
    );
    expect(m).toContain("data.imageSize: got 100; allowed: a multiple of 32");
    expect(m).toMatch(
      /data\.batchsize: unknown key; allowed keys here: train, val, test, imageSize, batchSize, seed, augment, cache/,
    );
    expect(m).toContain(
      `model.type: got "yolov8-x"; allowed: one of ${DETECTOR_IDS.map((d) => `"${d}"`).join(", ")}`,
    );
    expect(m).toContain(`train.optimizer.lr: got "fast"; allowed: a number`);
    expect(m).toContain(
      `train.schedule.type: got "exponential"; allowed: one of "cosine", "linear", "step", "constant"`,
    );
    expect(m).toContain("distill[0].loss.tau: got 0; allowed: > 0");
  });

  it("distill terms need a teacher, and a teacher needs weights or a schedule", () => {
    const base = parseConfigText(MINIMAL, "x") as object;
    const terms = [
      { loss: { type: "cwd" }, student: "neck.p{3..5}", teacher: "neck.p{3..5}", adapter: "auto" },
    ];
    expect(errorOf(() => validateExperiment({ ...base, distill: terms }, "t.yaml")).message).toBe(
      "invalid config t.yaml:\n  teacher: distill terms need a teacher: {type, weights}, {type, train} or {pretrained: id}",
    );
    expect(
      errorOf(() => validateExperiment({ ...base, distill: terms, teacher: { type: "yolov8-s" } }, "t.yaml"))
        .message,
    ).toContain(
      "teacher: a teacher needs `weights` (a model folder), `train` (a schedule to train it first), or is `{pretrained: id}` (allowed ids: centernet-mbv3, nanodet-g)",
    );
    // a pretrained teacher: known ids only; a cache goes with a fixed teacher, not with `train`
    expect(
      validateExperiment({ ...base, distill: terms, teacher: { pretrained: "nanodet-g" } }, "t.yaml").teacher,
    ).toEqual({ pretrained: "nanodet-g" });
    expect(
      errorOf(() =>
        validateExperiment({ ...base, distill: terms, teacher: { pretrained: "detr" } }, "t.yaml"),
      ).message,
    ).toContain('teacher.pretrained: got "detr"; allowed: one of "centernet-mbv3", "nanodet-g"');
    const trained = {
      type: "yolov8-s",
      cache: "c",
      train: { epochs: 1, optimizer: { type: "sgd", lr: 0.01 } },
    };
    expect(
      errorOf(() =>
        validateExperiment(
          {
            ...base,
            data: { ...(base as { data: object }).data, augment: false },
            distill: terms,
            teacher: trained,
          },
          "t.yaml",
        ),
      ).message,
    ).toContain("teacher.cache: a teacher cache holds a fixed teacher's maps");
    expect(
      (
        validateExperiment(
          { ...base, distill: terms, teacher: { type: "yolov8-s", weights: "runs/t/weights" } },
          "t.yaml",
        ).distill[0] as { adapter?: unknown }
      ).adapter,
    ).toBe("auto");
  });

  it("unknown keys inside a registry entry list that entry's keys", () => {
    const e = errorOf(() =>
      validateExperiment(
        { ...(parseConfigText(MINIMAL, "x") as object), model: { type: "yolov8-n", width: 0.5 } },
        "inline",
      ),
    );
    expect(e.message).toMatch(
      /model\.width: unknown key; allowed keys here: numClasses, seed, regMax, bnMomentum, type, weights/,
    );
  });

  it("syntax errors and missing files name the file (and line)", () => {
    expect(
      errorOf(() => loadExperiment(write("syntax.yaml", "data:\n  train: [1, 2\nmodel: x\n"))).message,
    ).toMatch(/invalid config .*syntax\.yaml:\d+:\d+: /);
    expect(errorOf(() => loadExperiment(path.join(dir, "missing.yaml"))).message).toMatch(
      /cannot read config .*missing\.yaml: no such file/,
    );
    expect(errorOf(() => loadExperiment(write("dup.yaml", "name: a\nname: b\n"))).message).toMatch(
      /dup\.yaml:2:1: .*[Mm]ap keys must be unique/,
    );
  });

  it("JSON Schema: every detector id, dataset type and loss type is offered", () => {
    const s = JSON.stringify(experimentJsonSchema());
    for (const id of DETECTOR_IDS) expect(s).toContain(`"const":"${id}"`);
    for (const t of ["coco", "yolo", "voc", "flir", "synthetic"]) expect(s).toContain(`"const":"${t}"`);
    for (const t of ["cwd", "fsd", "ckd", "rdkd", "mgd"]) expect(s).toContain(`"const":"${t}"`);
    const top = experimentJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(Object.keys(top.properties).sort()).toEqual([
      "backend",
      "data",
      "distill",
      "eval",
      "model",
      "name",
      "output",
      "teacher",
      "threads",
      "train",
    ]);
    expect(top.required.sort()).toEqual(["data", "model", "train"]);
    expect(top.additionalProperties).toBe(false);
  });
});
