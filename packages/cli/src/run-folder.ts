/**
 * Run folders: `runs/<name>/` holds one run (resolved config, metrics.jsonl, checkpoints, weights,
 * evaluation files, report.html). A new run never reuses an existing folder: the name gets a
 * numeric suffix (`name-2`, `name-3`, …) chosen by an atomic `mkdir`, so two runs started at the
 * same moment get different folders. Only `--resume` reopens a folder. Every file of a run is written
 * atomically (temporary file, fsync, rename, directory fsync); `run.json` records the resolved config
 * the run started with, and a resume refuses a config edited since (naming each changed field).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "@kdet/data";
import { z } from "zod";
import { configChanges } from "./config-diff";
import { CliError, showValue } from "./errors";
import { readJsonFile } from "./json-file";

/** File names inside a run folder. */
export const RUN_FILES = {
  config: "config.yaml",
  metrics: "metrics.jsonl",
  last: "last.ckpt",
  best: "best.ckpt",
  weights: "weights",
  evaluation: "eval",
  report: "report.html",
  done: "done.json",
  run: "run.json",
} as const;

/** Writes one file of a run folder atomically and durably (the previous version survives a crash). */
export async function writeRunFile(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomic(file, data);
}

/** Why a folder cannot be created under `dir`, for errors: a path component that is a file. */
function folderError(dir: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "EEXIST" || code === "ENOTDIR"
      ? "it or one of its parents is a file, not a folder; choose another output.dir or --name"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : (e as Error).message;
  return new CliError(`cannot create the run folder ${dir}: ${why}`);
}

/**
 * Creates a new, empty run folder `<parent>/<name>` (or `<name>-2`, `<name>-3`, … when taken) and
 * returns its path. `mkdir` without `recursive` fails when the folder exists, which makes the
 * choice atomic between concurrent runs.
 */
export async function createRunFolder(parent: string, name: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new CliError(
      `run name ${JSON.stringify(name)}: allowed: letters, digits, '.', '_' and '-' (a folder name)`,
      2,
    );
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw folderError(parent, e);
  }
  for (let i = 1; i < 10_000; i++) {
    const dir = path.join(parent, i === 1 ? name : `${name}-${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" || !statSync(dir).isDirectory()) throw folderError(dir, e);
    }
  }
  throw new CliError(`cannot create a run folder for ${name} in ${parent}: 9999 folders of that name exist`);
}

/**
 * Checks that `dir` is an existing run folder to resume (it holds config.yaml) and removes the
 * temporary files of atomic writes that a crashed process left (`<file>.tmp-<pid>-<n>`, pid no
 * longer running); the files they were replacing are intact.
 */
export function openRunFolder(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError(`--resume ${dir}: no such run folder`, 2);
  if (!existsSync(path.join(dir, RUN_FILES.config)))
    throw new CliError(`--resume ${dir}: not a kdet run folder (no ${RUN_FILES.config})`, 2);
  removeStaleTemps(dir);
  return dir;
}

/** Whether process `pid` of this machine is running. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeStaleTemps(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removeStaleTemps(p);
    const m = /\.tmp-(\d+)-\d+$/.exec(e.name);
    if (e.isFile() && m && (Number(m[1]) === process.pid || !processAlive(Number(m[1]))))
      rmSync(p, { force: true });
  }
}

/** `run.json`: how a run started (format 1). */
export const RunManifestSchema = z
  .object({
    format: z.literal("kdet-run"),
    version: z.literal(1),
    kind: z.enum(["train", "distill"]),
    startedAt: z.string(),
    /** The resolved experiment (as in config.yaml) when the run started. */
    config: z.record(z.string(), z.unknown()),
    /** The command line that started the run (shown in the report of a resumed run). */
    command: z.string().optional(),
  })
  .strict();
/** A parsed run manifest. */
export type RunManifest = z.output<typeof RunManifestSchema>;

/** Writes `dir/run.json` for a new run: its kind, resolved config and the command that started it. */
export async function writeRunManifest(
  dir: string,
  kind: RunManifest["kind"],
  config: unknown,
  command?: string,
): Promise<void> {
  const m: RunManifest = {
    format: "kdet-run",
    version: 1,
    kind,
    startedAt: new Date().toISOString(),
    config: JSON.parse(JSON.stringify(config)),
    ...(command ? { command } : {}),
  };
  await writeRunFile(path.join(dir, RUN_FILES.run), `${JSON.stringify(m, null, 1)}\n`);
}

/** The command line that started the run in `dir` (from `run.json`; undefined for runs without one). */
export function startCommand(dir: string): string | undefined {
  const file = path.join(dir, RUN_FILES.run);
  return existsSync(file) ? readJsonFile(file, RunManifestSchema, "run manifest").command : undefined;
}

/**
 * Compares the resolved config of a run being resumed with the one it started with (`run.json`):
 * a changed field is an error naming it with the old and new value, unless `allowChanges` (then the
 * changes are returned as notes). Runs from before `run.json` existed are not checked.
 */
export function checkResumeConfig(dir: string, config: unknown, allowChanges = false): string[] {
  const file = path.join(dir, RUN_FILES.run);
  if (!existsSync(file)) return [];
  const started = readJsonFile(file, RunManifestSchema, "run manifest");
  const changes = configChanges(started.config, JSON.parse(JSON.stringify(config)));
  const lines = changes.map((c) => `${c.path}: was ${showValue(c.before)}, now ${showValue(c.after)}`);
  if (lines.length && !allowChanges)
    throw new CliError(
      `--resume ${dir}: ${path.join(dir, RUN_FILES.config)} differs from the config the run started with (${RUN_FILES.run}):\n${lines.map((l) => `  ${l}`).join("\n")}\nA resumed run equals an uninterrupted one only with the same config: restore these values, start a new run, or pass --allow-config-change to continue anyway.`,
    );
  return lines;
}
