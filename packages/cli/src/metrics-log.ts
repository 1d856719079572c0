/**
 * Reading a stage's `metrics.jsonl` (written by the detectors' Trainer, one JSON object per line):
 * step lines (loss, parts, lr, ms) and validation lines (mAP, AP50 per epoch). A resumed run
 * appends again from its checkpoint, so for every step the last line wins. Lines are validated; a
 * torn final line (no newline: the process died while writing it) is ignored — `--resume` trims it.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { CliError } from "./errors";

const StepLine = z
  .object({
    kind: z.literal("step"),
    step: z.number().int(),
    epoch: z.number().int(),
    lr: z.number(),
    ms: z.number(),
    loss: z.number(),
    parts: z.record(z.string(), z.number()),
  })
  .passthrough();
const ValLine = z
  .object({
    kind: z.literal("val"),
    step: z.number().int(),
    epoch: z.number().int(),
    metrics: z.object({ mAP: z.number(), AP50: z.number() }).passthrough(),
    best: z.boolean(),
  })
  .passthrough();
const Line = z.discriminatedUnion("kind", [StepLine, ValLine]);

/** The training history of one stage. */
export interface MetricsLog {
  steps: Array<z.output<typeof StepLine>>;
  vals: Array<z.output<typeof ValLine>>;
}

/**
 * Reads `file` (empty history when it does not exist); a bad line names the file and line number,
 * except a torn last line, which is skipped.
 */
export function readMetricsLog(file: string): MetricsLog {
  if (!existsSync(file)) return { steps: [], vals: [] };
  const steps = new Map<number, z.output<typeof StepLine>>();
  const vals = new Map<number, z.output<typeof ValLine>>();
  const lines = readFileSync(file, "utf8").split("\n");
  // the text ends with "\n" unless the last write was cut: then its last piece is a torn line
  const tornAt = lines[lines.length - 1] === "" ? -1 : lines.length - 1;
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    let parsed: z.output<typeof Line>;
    try {
      parsed = Line.parse(JSON.parse(text));
    } catch (e) {
      if (i === tornAt) return;
      throw new CliError(`${file}:${i + 1}: not a metrics line (${(e as Error).message.split("\n")[0]})`);
    }
    if (parsed.kind === "step") steps.set(parsed.step, parsed);
    else vals.set(parsed.step, parsed);
  });
  const bySteps = <T extends { step: number }>(m: Map<number, T>) =>
    [...m.values()].sort((a, b) => a.step - b.step);
  return { steps: bySteps(steps), vals: bySteps(vals) };
}

/** Exponential moving average of `values` (bias-corrected), for smoothing loss curves. */
export function smooth(values: readonly number[], beta = 0.9): number[] {
  let m = 0;
  return values.map((v, i) => {
    m = beta * m + (1 - beta) * v;
    return m / (1 - beta ** (i + 1));
  });
}
