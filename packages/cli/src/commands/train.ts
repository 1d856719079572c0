/**
 * `kdet train --config FILE` and `kdet distill --config FILE`: validate the experiment (with
 * `--set` overrides), create a new run folder (never reusing one) or reopen one with `--resume`,
 * save the resolved config, report the backend, train, evaluate, write report.html and print the
 * results table.
 */
import path from "node:path";
import { numberOption, optionsHelp, parseOptions, type OptionTable } from "../args";
import { BACKENDS, startBackend } from "../backend";
import type { CliIo } from "../cli-io";
import type { Command } from "../command";
import type { Experiment } from "../config-schema";
import { CliError, UsageError } from "../errors";
import { withInterrupt } from "../interrupt";
import {
  checkResumeConfig,
  createRunFolder,
  openRunFolder,
  RUN_FILES,
  writeRunFile,
  writeRunManifest,
  startCommand,
} from "../run-folder";
import { parseSetArg } from "../set-override";

/** Options of `kdet train` and `kdet distill`. */
export const TRAIN_OPTIONS = {
  config: {
    type: "string",
    short: "c",
    arg: "FILE",
    help: "experiment config, YAML or JSON (see `kdet config schema`)",
  },
  set: {
    type: "string",
    multiple: true,
    arg: "KEY=VALUE",
    help: "override a config key (repeatable), e.g. --set train.epochs=5 --set data.batchSize=8",
  },
  name: {
    type: "string",
    arg: "NAME",
    help: "run folder name under output.dir (default: `name` of the config, else the file name)",
  },
  resume: {
    type: "string",
    arg: "DIR",
    help: "continue the run in DIR (runs/<name>) from its last checkpoint",
  },
  backend: {
    type: "string",
    arg: "NAME",
    help: `force the backend: ${BACKENDS.join(", ")} (default: the config's, auto)`,
  },
  threads: { type: "string", arg: "N", help: "wasm threads (default: all cores)" },
  "allow-config-change": {
    type: "boolean",
    help: "with --resume: continue although config.yaml differs from the config the run started with (run.json)",
  },
  method: {
    type: "string",
    arg: "ID",
    help: "kdet distill without --config: a method preset (kdet methods), with --teacher, --student and --data",
  },
  teacher: {
    type: "string",
    arg: "RUN|ID",
    help: "with --method: a kdet run folder (its weights) or a pretrained teacher id (kdet models)",
  },
  student: { type: "string", arg: "ID", help: "with --method: the student detector id (kdet models)" },
  data: {
    type: "string",
    arg: "FILE",
    help: "with --method: an experiment config whose data and train sections are used (e.g. configs/yolov8n-bccd.yaml)",
  },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const usage = (kind: "train" | "distill") =>
  `Usage: kdet ${kind} --config FILE [--set key=value ...] [--name NAME] [--backend NAME]
       kdet ${kind} --resume runs/NAME${kind === "distill" ? "\n       kdet distill --method ID --teacher RUN|ID --student ID --data FILE [--set key=value ...]" : ""}

${kind === "train" ? "Trains a detector" : "Distils a student from a teacher (trained first when the config gives teacher.train)"}, evaluates it and writes runs/NAME/
(config.yaml, metrics.jsonl, last.ckpt, best.ckpt, weights/, eval/, report.html).

Options:
${optionsHelp(TRAIN_OPTIONS)}`;

/** Checks that the experiment fits the command (train: no distill terms; distill: terms and a teacher). */
export function checkKind(kind: "train" | "distill", exp: Experiment, source: string): void {
  if (kind === "train" && exp.distill.length > 0)
    throw new CliError(
      `${source}: distill: got ${exp.distill.length} term(s); kdet train trains without distillation — use kdet distill for this config`,
    );
  if (kind === "distill" && exp.distill.length === 0)
    throw new CliError(
      `${source}: distill: got no terms; allowed: a list of terms, e.g. [{loss: {type: cwd}, student: "neck.p{3..5}", teacher: "neck.p{3..5}", adapter: auto}]`,
    );
}

/** The run name: --name, the config's `name`, else the config file's name. */
export function runName(flag: string | undefined, exp: Experiment, file: string): string {
  return flag ?? exp.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, "");
}

async function run(typed: "train" | "distill", argv: readonly string[], io: CliIo): Promise<number> {
  let kind = typed;
  const u = usage(kind);
  const { values: o } = parseOptions(argv, TRAIN_OPTIONS, u);
  if (o.help) return (io.stdout(`${u}\n`), 0);
  const threads = numberOption("threads", o.threads, { int: true, min: 1, max: 256 });
  if (o.backend !== undefined && !BACKENDS.includes(o.backend as never))
    throw new UsageError(`--backend: got "${o.backend}"; allowed: ${BACKENDS.join(", ")}`);
  const { experimentYaml, loadExperiment, validateExperiment } = await import("../config-load");
  const command = `kdet ${kind} ${argv.join(" ")}`;
  let exp: Experiment;
  let dir: string;
  if (o.resume) {
    if (o.config || o.set?.length || o.name)
      throw new UsageError(
        `--resume continues a run with its saved config; --config, --set and --name are not allowed with it\n\n${u}`,
      );
    dir = openRunFolder(o.resume);
    exp = loadExperiment(path.join(dir, RUN_FILES.config));
    // either command continues either kind of run: the saved config says which it is
    kind = exp.distill.length > 0 ? "distill" : "train";
    if (kind !== typed) io.stderr(`note: ${dir} is a kdet ${kind} run; continuing it as one\n`);
    for (const c of checkResumeConfig(dir, exp, o["allow-config-change"]))
      io.stderr(`warning: config changed since the run started: ${c}\n`);
  } else {
    if (o["allow-config-change"]) throw new UsageError(`--allow-config-change goes with --resume\n\n${u}`);
    const quick = [o.method, o.teacher, o.student, o.data].some((v) => v !== undefined);
    if (quick && (kind !== "distill" || o.config))
      throw new UsageError(
        `--method, --teacher, --student and --data make a kdet distill run without --config\n\n${u}`,
      );
    if (!o.config && !quick) throw new UsageError(`--config FILE is required (or --resume DIR)\n\n${u}`);
    const source = o.config ?? `--method ${o.method} --data ${o.data}`;
    const loaded = o.config
      ? loadExperiment(o.config, (o.set ?? []).map(parseSetArg))
      : (await import("../method-run")).methodExperiment(o, (o.set ?? []).map(parseSetArg));
    exp = o.backend ? validateExperiment({ ...loaded, backend: o.backend }, source) : loaded;
    checkKind(kind, exp, source);
    const fallback = o.config ?? `${o.method}-${exp.model.type}`;
    dir = await createRunFolder(exp.output.dir, runName(o.name, exp, fallback));
    // run.json first: a folder with config.yaml always has the config it started with
    await writeRunManifest(dir, kind, exp, command);
    await writeRunFile(path.join(dir, RUN_FILES.config), experimentYaml(exp));
  }
  io.stderr(`run folder: ${dir}${o.resume ? " (resumed)" : ""}\n`);
  const info = await startBackend(
    io,
    (o.backend as Experiment["backend"] | undefined) ?? exp.backend,
    threads ?? exp.threads,
  );
  const { runExperiment } = await import("../experiment-run");
  const r = await withInterrupt(io, `kdet ${kind} --resume ${dir}`, (signal) =>
    runExperiment(exp, dir, io, {
      configText: experimentYaml(exp),
      // the report's header names the command that started the run, and the resume when there was one
      notes: o.resume
        ? [
            startCommand(dir) ?? `kdet ${kind} --config ${path.join(dir, RUN_FILES.config)}`,
            `resumed: ${command}`,
            info.message,
          ]
        : [command, info.message],
      signal,
    }),
  );
  io.stdout(
    `${r.table}\n\nrun folder: ${dir}\nreport: ${path.join(dir, RUN_FILES.report)}\nweights: ${path.join(dir, RUN_FILES.weights)}\n`,
  );
  return 0;
}

/** `kdet train`. */
export const trainCommand: Command = {
  summary: "train a detector from a config",
  usage: usage("train"),
  run: (a, io) => run("train", a, io),
};
/** `kdet distill`. */
export const distillCommand: Command = {
  summary: "distil a student from a teacher, from a config",
  usage: usage("distill"),
  run: (a, io) => run("distill", a, io),
};
