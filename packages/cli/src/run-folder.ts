/**
 * Run folders: `runs/<name>/` holds one run (resolved config, metrics.jsonl, checkpoints, weights,
 * evaluation files, report.html). A new run never reuses an existing folder: the name gets a
 * numeric suffix (`name-2`, `name-3`, …) chosen by an atomic `mkdir`, so two runs started at the
 * same moment get different folders. Only `--resume` reopens a folder.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { CliError } from "./errors";

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
} as const;

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
  await mkdir(parent, { recursive: true });
  for (let i = 1; i < 10_000; i++) {
    const dir = path.join(parent, i === 1 ? name : `${name}-${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST")
        throw new CliError(`cannot create run folder ${dir}: ${(e as Error).message}`);
    }
  }
  throw new CliError(`cannot create a run folder for ${name} in ${parent}: 9999 folders of that name exist`);
}

/** Checks that `dir` is an existing run folder to resume (it holds config.yaml). */
export function openRunFolder(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError(`--resume ${dir}: no such run folder`, 2);
  if (!existsSync(path.join(dir, RUN_FILES.config)))
    throw new CliError(`--resume ${dir}: not a kdet run folder (no ${RUN_FILES.config})`, 2);
  return dir;
}
