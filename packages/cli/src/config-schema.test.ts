/**
 * The JSON Schema of `kdet config schema`, checked by an independent validator (@cfworker/json-schema, draft
 * 2020-12): every shipped config as written and the resolved configs of `kdet config print` are valid; configs the
 * zod schema refuses (an unknown key, a renamed channel setting, a wrong type, a missing section) are invalid too.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Schema, Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfigText } from "./config-load";
import { resolvedConfigText } from "./config-print";
import { ExperimentSchema, experimentJsonSchema } from "./config-schema";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "configs");
const yamls = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
const validator = new Validator(experimentJsonSchema() as unknown as Schema, "2020-12", false);
const errorsOf = (value: unknown) =>
  validator
    .validate(value)
    .errors.map((e) => `${e.instanceLocation}: ${e.error}`)
    .slice(0, 5);

const minimal = {
  data: { train: { type: "synthetic", numImages: 8, size: 64 } },
  model: { type: "yolov8-n" },
  train: { epochs: 1, optimizer: { type: "sgd" } },
};
const withTerm = (loss: Record<string, unknown>) => ({
  ...minimal,
  teacher: { type: "yolov8-s", weights: "w" },
  distill: [{ loss, student: "neck.p3", teacher: "neck.p3" }],
});

describe("kdet config schema (JSON Schema, checked by an independent validator)", () => {
  it("is a draft 2020-12 schema with an id and the experiment's sections", () => {
    const s = experimentJsonSchema() as { $schema: string; $id: string; properties: object };
    expect(s.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(s.$id).toMatch(/^https:\/\//);
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining(["data", "model", "teacher", "distill", "train", "eval", "output"]),
    );
  });

  for (const f of yamls)
    it(`accepts the shipped config ${f} as written`, () => {
      const raw = parseConfigText(readFileSync(path.join(dir, f), "utf8"), f);
      expect(errorsOf(raw)).toEqual([]);
    });

  it("accepts a preset entry, a single preset object and a data shorthand", () => {
    expect(errorsOf({ ...withTerm({ type: "cwd" }), distill: [{ method: "fgd", weight: 2 }] })).toEqual([]);
    expect(errorsOf({ ...withTerm({ type: "cwd" }), distill: { method: "cwd" } })).toEqual([]);
    const { train: _t, ...data } = minimal.data;
    expect(errorsOf({ ...minimal, data: { ...data, dataset: { type: "voc", root: "bccd" } } })).toEqual([]);
  });

  it("refuses what the zod schema refuses", () => {
    const bad: Array<[string, unknown]> = [
      ["unknown top-level key", { ...minimal, epochs: 3 }],
      ["missing model", { data: minimal.data, train: minimal.train }],
      ["unknown detector", { ...minimal, model: { type: "yolov9-n" } }],
      ["wrong type", { ...minimal, data: { ...minimal.data, imageSize: "big" } }],
      ["renamed channel setting", withTerm({ type: "defeat", channels: 128 })],
      ["renamed in/out channels", withTerm({ type: "score-l2", inChannels: 4, outChannels: 8 })],
      ["unknown loss type", withTerm({ type: "cwdd" })],
    ];
    for (const [what, value] of bad) {
      expect(ExperimentSchema.safeParse(value).success, what).toBe(false);
      expect(validator.validate(value).valid, what).toBe(false);
    }
    // the new names are valid in both
    const ok = withTerm({ type: "score-l2", studentChannels: 4, teacherChannels: 8 });
    expect(ExperimentSchema.safeParse(ok).success).toBe(true);
    expect(errorsOf(ok)).toEqual([]);
  });

  it("accepts the resolved configs of kdet config print (defaults written out, presets expanded)", () => {
    const local = yamls.filter(
      (f) => !/KDET_DATASETS|\.\.\/shared\//.test(readFileSync(path.join(dir, f), "utf8")),
    );
    expect(local.length).toBeGreaterThan(5);
    for (const f of local) {
      const text = resolvedConfigText(path.join(dir, f), [], "yaml");
      expect(errorsOf(parse(text)), f).toEqual([]);
    }
    const preset = path.join(os.tmpdir(), `kdet-schema-preset-${process.pid}.yaml`);
    writeFileSync(
      preset,
      stringify({ ...withTerm({ type: "cwd" }), distill: [{ method: "abf" }, { method: "fgd" }] }),
    );
    try {
      const printed = parse(resolvedConfigText(preset, [], "yaml")) as { distill: Array<{ loss: unknown }> };
      expect(printed.distill.every((t) => t.loss !== undefined)).toBe(true);
      expect(errorsOf(printed)).toEqual([]);
    } finally {
      rmSync(preset, { force: true });
    }
  });
});
