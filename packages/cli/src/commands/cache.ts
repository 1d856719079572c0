/**
 * `kdet cache build --config FILE [--set ...] [--dtype float16|float32] [--out DIR]`: runs the config's teacher
 * (a pretrained one or trained `weights`) once over the training split, letterboxed and un-augmented, and writes
 * the maps its distillation terms read into an offline teacher cache (`@kdet/detectors` `buildTeacherCache`:
 * written under a temporary name and renamed into place; an existing folder is refused). `kdet distill` with
 * `teacher.cache: DIR` then trains from it (with `data.augment: false`).
 */
import path from "node:path";
import type { Batch } from "@kdet/data";
import { existsSync } from "node:fs";
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import { startBackend } from "../backend";
import type { CliIo } from "../cli-io";
import type { Command } from "../command";
import type { loadExperiment } from "../config-load";
import { CliError, UsageError } from "../errors";
import type { PostprocessOptions, Teacher } from "../detectors-api";
import { Progress } from "../progress";
import { parseSetArg } from "../set-override";

/** Options of `kdet cache build`. */
export const CACHE_OPTIONS = {
  config: {
    type: "string",
    short: "c",
    arg: "FILE",
    help: "experiment config whose teacher and distill terms say what to cache",
  },
  set: { type: "string", multiple: true, arg: "KEY=VALUE", help: "override a config key (repeatable)" },
  dtype: {
    type: "string",
    arg: "TYPE",
    help: "float16 (default, half the disk; refused for maps it cannot hold) or float32",
  },
  out: {
    type: "string",
    short: "o",
    arg: "DIR",
    help: "cache folder to create (default: the config's teacher.cache); must not exist",
  },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const DTYPES = ["float16", "float32"] as const;

const fmtBytes = (b: number) =>
  b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;

const USAGE = `Usage: kdet cache build --config FILE [--set key=value ...] [--dtype float16|float32] [--out DIR]

Runs the config's teacher ({pretrained: id}, or {type, weights}) once over data.train (letterboxed to
data.imageSize, not augmented) and stores the maps its distill terms read in an offline teacher cache folder
(manifest.json + one tap file per map). Then train from it with teacher.cache: DIR and data.augment: false:
  kdet cache build --config c.yaml --out cache/centernet-128
  kdet distill --config c.yaml --set teacher.cache=cache/centernet-128 --set data.augment=false

Options:
${optionsHelp(CACHE_OPTIONS)}`;

/** Loads the teacher a cache is built for (a fixed one: pretrained or trained weights). */
async function loadFixedTeacher(
  t: NonNullable<ReturnType<typeof loadExperiment>["teacher"]>,
  postprocess: PostprocessOptions,
): Promise<Teacher> {
  const { isPretrained } = await import("../config-schema");
  const { loadModelFolder, loadPretrained } = await import("../models");
  const { detectorTeacher } = await import("../detectors-api");
  if (isPretrained(t)) return loadPretrained(t.pretrained, "teacher.pretrained");
  if (!t.weights)
    throw new CliError(
      `teacher: a cache needs a fixed teacher; allowed: {pretrained: id} or {type, weights: runs/<name>/weights} (this teacher is trained by kdet distill: train it first, then set teacher.weights)`,
    );
  const det = await loadModelFolder(t.weights, "teacher.weights");
  if (det.spec && det.spec.id !== t.type) {
    det.dispose();
    throw new CliError(
      `teacher.type: got "${t.type}" but ${t.weights} holds a ${det.spec.id}; allowed: "${det.spec.id}"`,
    );
  }
  return detectorTeacher(det, { postprocess });
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: o } = parseOptions(argv, CACHE_OPTIONS, USAGE);
  if (o.help) return (io.stdout(`${USAGE}\n`), 0);
  if (!o.config) throw new UsageError(`--config FILE is required\n\n${USAGE}`);
  if (o.dtype !== undefined && !DTYPES.includes(o.dtype as never))
    throw new UsageError(`--dtype: got "${o.dtype}"; allowed: ${DTYPES.join(", ")}`);
  // TensorFlow.js and the models load only here, so `kdet cache build --help` stays fast
  const { loadExperiment } = await import("../config-load");
  const { buildTeacherCache } = await import("../detectors-api");
  const { buildDistiller } = await import("../distiller-build");
  const { buildModel, cacheLoader } = await import("../models");
  const { postprocessOf } = await import("../experiment-run");
  const exp = loadExperiment(o.config, (o.set ?? []).map(parseSetArg));
  const t = exp.teacher;
  if (!t)
    throw new CliError(
      `${o.config}: teacher: not configured; allowed: {pretrained: id} or {type, weights} (the teacher whose maps are cached)`,
    );
  if (exp.distill.length === 0)
    throw new CliError(
      `${o.config}: distill: got no terms; the cache stores the teacher maps the terms read`,
    );
  const out = o.out ?? t.cache;
  if (!out) throw new UsageError(`--out DIR is required when the config has no teacher.cache\n\n${USAGE}`);
  if (existsSync(out))
    throw new CliError(
      `--out: ${JSON.stringify(out)} exists; allowed: a new folder (remove the old cache first to rebuild it)`,
    );
  await startBackend(io, exp.backend, exp.threads);

  const { loadSplit } = await import("../datasets");
  const dataset = await loadSplit(exp.data.train, "train");
  const teacher = await loadFixedTeacher(t, postprocessOf(exp));
  const student = await buildModel(exp.model, dataset.classNames.length, "model");
  try {
    const distiller = buildDistiller(
      exp.distill,
      student,
      teacher,
      exp.model.seed as number,
      exp.data.imageSize,
    );
    const taps = distiller.requiredFeatures.teacher;
    distiller.dispose();
    const loader = cacheLoader(dataset, exp.data);
    const bar = new Progress(io, {
      label: `cache ${teacher.id} on data.train`,
      total: loader.batchesPerEpoch,
      unit: "img",
      perTick: exp.data.batchSize,
    });
    const data = {
      async *epoch(e: number): AsyncGenerator<Batch> {
        for await (const b of loader.epoch(e)) {
          yield b;
          bar.tick();
        }
      },
    };
    let r;
    try {
      r = await buildTeacherCache(
        { teacher, dataset, data },
        {
          dir: out,
          taps,
          dtype: (o.dtype as (typeof DTYPES)[number] | undefined) ?? "float16",
          detections: false,
        },
      );
    } catch (e) {
      const field = (e as { field?: string }).field;
      throw new CliError(`cache build ${out}${field ? ` (${field})` : ""}: ${(e as Error).message}`);
    }
    bar.finish(`${r.manifest.samples.length} images, ${fmtBytes(r.bytes)}`);
    io.stdout(
      `teacher cache: ${path.resolve(r.dir)}\nmaps: ${r.manifest.taps.map((m) => `${m.name} [${m.shape.join(",")}]`).join(", ")}\ndtype: ${r.manifest.dtype}, ${r.manifest.samples.length} images at ${r.manifest.inputSize.join("×")}, ${fmtBytes(r.bytes)}, ${r.seconds.toFixed(1)} s\nuse it: kdet distill --config ${o.config} --set teacher.cache=${out} --set data.augment=false\n`,
    );
    return 0;
  } finally {
    student.dispose();
    teacher.dispose();
  }
}

/** `kdet cache build`. */
export const cacheBuildCommand: Command = {
  summary: "precompute the teacher's maps of a config into an offline teacher cache",
  usage: USAGE,
  run,
};
