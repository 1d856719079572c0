/**
 * `kdet distill --method ID --teacher RUN|ID --student ID --data FILE`: the experiment of a one-command distill.
 * `--data` is an experiment config (YAML/JSON) whose `data`, `train`, `eval` and `output` sections are kept (its
 * model, teacher, distill and name are replaced); `--teacher` is a kdet run folder (its `config.yaml` model type and
 * `weights/`) or a pretrained teacher id; `--set` overrides apply last.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { expandEnv } from "./config-env";
import { readConfigFile, validateExperiment } from "./config-load";
import type { Experiment } from "./config-schema";
import { UsageError } from "./errors";
import { applyOverrides, type SetOverride } from "./set-override";

/** The flags of a one-command distill. */
export interface MethodFlags {
  method?: string;
  teacher?: string;
  student?: string;
  data?: string;
}

/** The teacher section of `--teacher`: a run folder (model type from its config.yaml, its weights) or a pretrained id. */
function teacherSection(t: string): Record<string, unknown> {
  const run = existsSync(path.join(t, "config.yaml")) ? t : path.dirname(t);
  if (existsSync(path.join(run, "config.yaml"))) {
    const cfg = readConfigFile(path.join(run, "config.yaml")) as { model?: { type?: unknown } };
    return { type: cfg.model?.type, weights: path.join(run, "weights") };
  }
  if (existsSync(t))
    throw new UsageError(
      `--teacher: ${t} is not a kdet run folder (no config.yaml); allowed: runs/NAME or a pretrained id`,
    );
  return { pretrained: t };
}

/** The validated experiment of the flags (every flag required; errors name the flag). */
export function methodExperiment(flags: MethodFlags, sets: readonly SetOverride[]): Experiment {
  for (const k of ["method", "teacher", "student", "data"] as const)
    if (!flags[k])
      throw new UsageError(
        `--${k} is required with --method (kdet distill --method ID --teacher RUN|ID --student ID --data FILE)`,
      );
  const base = expandEnv(readConfigFile(flags.data!), flags.data!) as Record<string, unknown>;
  const { name: _n, model: _m, teacher: _t, distill: _d, ...rest } = base;
  const input = applyOverrides(
    {
      ...rest,
      model: { type: flags.student },
      teacher: teacherSection(flags.teacher!),
      distill: { method: flags.method },
    },
    sets,
  );
  return validateExperiment(input, `kdet distill --method ${flags.method} --data ${flags.data}`);
}
