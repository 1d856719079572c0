/**
 * Guards of a sweep's stage folder before it runs: one process per stage (a `running.json` lock naming the process
 * and host), and a stage that has trained (finished, or checkpointed) keeps the settings it trained with — its
 * `config.yaml` is compared with the current one instead of being overwritten.
 */
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { configChanges } from "./config-diff";
import { CliError, showValue } from "./errors";
import { processAlive, RUN_FILES, writeRunFile } from "./run-folder";
import { stageDone } from "./train-stage";

/** The lock file of a running stage. */
export const STAGE_LOCK = "running.json";

/**
 * Takes the stage's lock; returns its release. Throws naming the holder when another live process of this machine,
 * or any process of another machine, holds it (a lock of a dead process of this machine is taken over).
 */
export async function lockStage(dir: string, name: string): Promise<() => Promise<void>> {
  const file = path.join(dir, STAGE_LOCK);
  if (existsSync(file)) {
    let holder: { pid?: number; host?: string } = {};
    try {
      holder = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      // unreadable (a crash while writing): treat as stale
    }
    const here = holder.host === os.hostname();
    if (holder.pid !== undefined && holder.pid !== process.pid && (!here || processAlive(holder.pid)))
      throw new CliError(
        `stage ${name}: ${dir} is being run by process ${holder.pid} on ${holder.host}${here ? "" : " (another machine)"}; two processes must not run one stage (delete ${file} if that process has stopped)`,
        1,
      );
  }
  await writeRunFile(
    file,
    JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }),
  );
  return () => rm(file, { force: true });
}

/** Top-level config sections that say how or where a stage runs and is reported, not what it trains. */
const NOT_TRAINING = new Set(["output", "eval", "backend", "threads"]);

/**
 * Writes the stage's `config.yaml` (`yaml`, the current settings) unless the stage has trained: a finished stage or
 * one with a checkpoint keeps its file, and must have been trained with the same settings ({@link NOT_TRAINING}
 * aside) — else this throws naming the folder and each differing key with both values, as reusing or resuming it
 * would mix two settings.
 */
export async function writeStageConfig(dir: string, name: string, yaml: string): Promise<void> {
  const file = path.join(dir, RUN_FILES.config);
  const trained = stageDone(dir) || existsSync(path.join(dir, RUN_FILES.last));
  if (trained && existsSync(file)) {
    const diff = configChanges(parse(readFileSync(file, "utf8")) ?? {}, parse(yaml) ?? {}).filter(
      (c) => !NOT_TRAINING.has(c.path.split(".")[0]!),
    );
    if (diff.length > 0)
      throw new CliError(
        `stage ${name}: ${dir} was trained with other settings (${diff.map((c) => `${c.path}: was ${showValue(c.before)}, now ${showValue(c.after)}`).join("; ")}); delete the folder to train it anew, or restore the settings`,
        1,
      );
    return;
  }
  await writeRunFile(file, yaml);
}
