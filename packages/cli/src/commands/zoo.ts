/**
 * `kdet zoo CONFIG [--out runs] [--name NAME]` and `kdet zoo --resume DIR`: a sweep of teacher/student pairings and
 * distillation methods over seeds (zoo.ts), one config file; the validated config is kept in the sweep's folder
 * (`zoo.json`) so that `--resume` continues exactly that sweep.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { numberOption, optionsHelp, parseOptions, type OptionTable } from "../args";
import { BACKENDS, startBackend } from "../backend";
import type { Command } from "../command";
import { CliError, UsageError } from "../errors";
import { withInterrupt } from "../interrupt";
import { createRunFolder, writeRunFile } from "../run-folder";

const OPTIONS = {
  out: { type: "string", arg: "DIR", help: "parent folder of the sweep's folder (default runs)" },
  name: {
    type: "string",
    arg: "NAME",
    help: "the sweep's folder name (default: the config's name; -2, -3… when taken)",
  },
  resume: {
    type: "string",
    arg: "DIR",
    help: "continue an interrupted sweep in DIR (finished stages are loaded)",
  },
  pairings: {
    type: "string",
    arg: "A,B",
    help: "run only these pairings; the sweep's results files are written by a later run without it",
  },
  seeds: {
    type: "string",
    arg: "1,2",
    help: "run only these student seeds (start it once the teacher has finished); tables as with --pairings",
  },
  backend: { type: "string", arg: "NAME", help: `force the backend: ${BACKENDS.join(", ")}` },
  threads: { type: "string", arg: "N", help: "wasm threads (default: all cores)" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet zoo CONFIG [--out runs] [--name NAME]
       kdet zoo --resume DIR

Runs a sweep described by one config: a dataset, teacher/student pairings, the methods of each pairing and the
student seeds. Per pairing it trains the teacher once, the baseline student per seed and each method per seed
(the same data, seeds and schedule; only the distillation terms differ), evaluates every model on the test split
and writes results.md, results.json (per-seed numbers, params, GFLOPs, ms/img, wall time and distillation
overhead per run) and report.html (tables with the protocol's verdict per row, gain per method). Every stage is
an ordinary run folder; finished stages are loaded, an interrupted sweep continues with --resume.
  kdet zoo packages/cli/configs/zoo/synthetic.yaml
  kdet zoo --resume runs/zoo-synthetic
Two processes can share a sweep, a pairing each (--pairings), or a pairing whose teacher has finished, some seeds
each (--seeds); a last --resume without them writes the tables.

Options:
${optionsHelp(OPTIONS)}`;

/** The validated config kept in a sweep's folder (what --resume runs). */
export const ZOO_CONFIG_FILE = "zoo.json";

/** `kdet zoo`. */
export const zooCommand: Command = {
  summary: "a sweep of pairings × methods × seeds from one config: tables, verdicts, gain plot",
  usage: USAGE,
  async run(argv, io) {
    const { values: o, positionals } = parseOptions(argv, OPTIONS, USAGE, [0, 1]);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    if (o.backend !== undefined && !BACKENDS.includes(o.backend as never))
      throw new UsageError(`--backend: got "${o.backend}"; allowed: ${BACKENDS.join(", ")}`);
    const threads = numberOption("threads", o.threads, { int: true, min: 1, max: 256 });
    let dir: string;
    let file: string;
    if (o.resume) {
      if (positionals.length || o.out || o.name)
        throw new UsageError(
          "--resume DIR continues the sweep kept in DIR; not allowed with it: CONFIG, --out, --name",
        );
      dir = o.resume;
      file = path.join(dir, ZOO_CONFIG_FILE);
      if (!existsSync(file))
        throw new CliError(`--resume ${dir}: not a kdet zoo folder (no ${ZOO_CONFIG_FILE})`, 2);
    } else {
      if (positionals.length !== 1) throw new UsageError(`kdet zoo: one CONFIG file is required\n\n${USAGE}`);
      file = positionals[0]!;
    }
    const { loadZoo } = await import("../zoo-config"); // loads TensorFlow.js (model registry): after --help
    const config = loadZoo(file);
    const only = o.pairings?.split(",").map((n) => n.trim());
    const onlySeeds = o.seeds?.split(",").map((n) => {
      const v = Number(n.trim());
      if (!Number.isInteger(v))
        throw new UsageError(`--seeds: "${n.trim()}" is not an integer (got "${o.seeds}")`);
      return v;
    });
    const { checkSeeds, runZoo, selectPairings } = await import("../zoo");
    for (const [flag, check] of [
      ["--pairings", () => selectPairings(config, only)],
      ["--seeds", () => checkSeeds(config, onlySeeds)],
    ] as const)
      try {
        check();
      } catch (e) {
        throw new UsageError(`${flag}: ${(e as Error).message}`);
      }
    if (!o.resume) {
      dir = await createRunFolder(o.out ?? "runs", o.name ?? `zoo-${config.name}`);
      await writeRunFile(path.join(dir, ZOO_CONFIG_FILE), JSON.stringify(config, null, 1));
    }
    const backend = (o.backend ?? "auto") as (typeof BACKENDS)[number];
    const info = await startBackend(io, backend, threads);
    const r = await withInterrupt(io, `kdet zoo --resume ${dir!}`, (signal) =>
      runZoo({
        config,
        dir: dir!,
        backend,
        threads,
        io,
        notes: [`kdet zoo ${argv.join(" ")}`.trim(), info.message],
        signal,
        only,
        onlySeeds,
      }),
    );
    const reports =
      only || onlySeeds
        ? r.pairings.map((p) => path.join(r.dir, p.name, "report.html"))
        : [path.join(r.dir, "report.html")];
    io.stdout(`${r.table}\n\nreport: ${reports.join(", ")}\n`);
    return 0;
  },
};
