/**
 * `kdet demo [--quick] [--methods cwd,fsd,...]`: teacher, student baseline and distilled students
 * on embedded synthetic data, evaluated and compared in one table (see demo.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { numberOption, optionsHelp, parseOptions, type OptionTable } from "../args";
import { BACKENDS, startBackend } from "../backend";
import type { Command } from "../command";
import type { DEMO_PRESETS, DemoPreset } from "../demo";
import { DEMO_METHOD_NAMES, DEMO_METHODS, type DemoMethod } from "../demo-methods";
import { CliError, UsageError } from "../errors";
import { didYouMean } from "../suggest";
import { withInterrupt } from "../interrupt";
import { createRunFolder, RUN_FILES, writeRunFile } from "../run-folder";

const OPTIONS = {
  quick: {
    type: "boolean",
    help: "CI smoke run (< 2 minutes): every stage end to end on a tiny budget; shows no gain",
  },
  methods: {
    type: "string",
    arg: "LIST",
    help: `distillation methods, comma-separated (default cwd): ${DEMO_METHOD_NAMES.join(", ")}`,
  },
  out: { type: "string", arg: "DIR", help: "parent folder of the run folder (default runs)" },
  name: {
    type: "string",
    arg: "NAME",
    help: "run folder name (default demo, or demo-quick; a suffix -2, -3… when taken)",
  },
  seeds: {
    type: "string",
    arg: "LIST",
    help: "students' initialisation and data-order seeds, e.g. 1,2,3: mean ± std and a verdict per method (default 1,2,3; --quick 11; the teacher keeps its seed)",
  },
  epochs: { type: "string", arg: "N", help: "students' epochs (default 6; --quick 2)" },
  "teacher-epochs": { type: "string", arg: "N", help: "teacher's epochs (default 16; --quick 2)" },
  reuse: {
    type: "boolean",
    help: "keep the dataset and the trained teacher in <out>/.kdet-cache and reuse them",
  },
  resume: { type: "string", arg: "DIR", help: "continue an interrupted demo in DIR" },
  backend: { type: "string", arg: "NAME", help: `force the backend: ${BACKENDS.join(", ")}` },
  threads: { type: "string", arg: "N", help: "wasm threads (default: all cores)" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet demo [--quick] [--methods cwd,fsd,...] [--out runs] [--reuse] [--resume DIR]

Generates a synthetic dataset (train/val/test from different seeds), trains a teacher (YOLOv8-s)
and a student baseline (YOLOv8-n), distils the same student with each method (same seeds,
schedule and data order), evaluates all on the test split and prints: model, params, GFLOPs,
inference ms/image, mAP, AP50, gain over the baseline. Writes <out>/<name>/report.html.

Methods:
${DEMO_METHOD_NAMES.map((m) => `  ${m.padEnd(8)} ${DEMO_METHODS[m].description}`).join("\n")}

Options:
${optionsHelp(OPTIONS)}`;

/** File in the demo's run folder that records its command line, so that `--resume` repeats it. */
export const DEMO_ARGS_FILE = "demo.json";
const DemoArgsSchema = z.object({ argv: z.array(z.string()) }).strict();
/** Options that may accompany --resume (they do not change the results). */
const RUNTIME_OPTIONS = new Set(["resume", "backend", "threads"]);

/** `argv` without --backend/--threads (and their values): what --resume repeats. */
function withoutRuntimeOptions(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--(backend|threads)=/.test(argv[i]!)) continue;
    if (/^--(backend|threads)$/.test(argv[i]!)) {
      i++;
      continue;
    }
    out.push(argv[i]!);
  }
  return out;
}

/** The demo's choices from its options (validated). */
function demoChoices(
  o: ReturnType<typeof parseOptions<typeof OPTIONS>>["values"],
  presets: typeof DEMO_PRESETS,
) {
  const base: DemoPreset = o.quick ? presets.quick : presets.default;
  const epochs = numberOption("epochs", o.epochs, { int: true, min: 1 });
  const teacherEpochs = numberOption("teacher-epochs", o["teacher-epochs"], { int: true, min: 1 });
  const preset: DemoPreset = {
    ...base,
    student: {
      ...base.student,
      train: { ...base.student.train, epochs: epochs ?? base.student.train.epochs },
    },
    teacher: {
      ...base.teacher,
      train: { ...base.teacher.train, epochs: teacherEpochs ?? base.teacher.train.epochs },
    },
  };
  const methods =
    o.methods === undefined
      ? [...preset.methods]
      : o.methods
          .split(",")
          .map((m) => m.trim())
          .filter(Boolean);
  const bad = methods.filter((m) => !(m in DEMO_METHODS));
  if (bad.length || methods.length === 0)
    throw new UsageError(
      `--methods: got "${o.methods}"; allowed: a comma-separated list of ${DEMO_METHOD_NAMES.join(", ")}${bad.length ? didYouMean(bad[0], DEMO_METHOD_NAMES) : ""}`,
    );
  if (new Set(methods).size !== methods.length)
    throw new UsageError(`--methods: "${o.methods}" names a method twice`);
  const seeds =
    o.seeds === undefined
      ? undefined
      : o.seeds.split(",").map((v) => numberOption("seeds", v.trim(), { int: true, min: 0 })!);
  if (seeds && new Set(seeds).size !== seeds.length)
    throw new UsageError(`--seeds: "${o.seeds}" names a seed twice`);
  return { preset, methods: methods as DemoMethod[], seeds, reuse: o.reuse ?? false };
}

/** `kdet demo`. */
export const demoCommand: Command = {
  summary: "teacher, student and distilled student on synthetic data, compared in one table",
  usage: USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, OPTIONS, USAGE);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    if (o.backend !== undefined && !BACKENDS.includes(o.backend as never))
      throw new UsageError(`--backend: got "${o.backend}"; allowed: ${BACKENDS.join(", ")}`);
    const threads = numberOption("threads", o.threads, { int: true, min: 1, max: 256 });
    let dir: string;
    let saved = argv;
    if (o.resume) {
      const extra = Object.keys(o).filter((k) => !RUNTIME_OPTIONS.has(k));
      if (extra.length)
        throw new UsageError(
          `--resume repeats the demo's own options; not allowed with it: ${extra.map((k) => `--${k}`).join(", ")}`,
        );
      dir = o.resume;
      const file = path.join(dir, DEMO_ARGS_FILE);
      if (!existsSync(file))
        throw new UsageError(`--resume ${dir}: not a kdet demo folder (no ${DEMO_ARGS_FILE})`);
      const r = DemoArgsSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (!r.success) throw new CliError(`${file}: expected {"argv": [...]}: ${r.error.issues[0]?.message}`);
      saved = r.data.argv;
    }
    const so = parseOptions(saved, OPTIONS, USAGE).values;
    const { DEMO_PRESETS, runDemo } = await import("../demo");
    const choices = demoChoices(so, DEMO_PRESETS);
    const out = so.out ?? (o.resume ? path.dirname(o.resume) : "runs");
    if (!o.resume) {
      dir = await createRunFolder(out, so.name ?? (so.quick ? "demo-quick" : "demo"));
      await writeRunFile(
        path.join(dir, DEMO_ARGS_FILE),
        JSON.stringify({ argv: withoutRuntimeOptions(argv) }, null, 1),
      );
    }
    const backend = (o.backend ?? "auto") as (typeof BACKENDS)[number];
    const info = await startBackend(io, backend, threads);
    const r = await withInterrupt(io, `kdet demo --resume ${dir!}`, (signal) =>
      runDemo({
        ...choices,
        dir: dir!,
        out,
        resumed: Boolean(o.resume),
        backend,
        threads,
        io,
        notes: [`kdet demo ${argv.join(" ")}`.trim(), info.message],
        signal,
      }),
    );
    io.stdout(`${r.table}\n\nreport: ${path.join(r.dir, RUN_FILES.report)}\n`);
    return 0;
  },
};
