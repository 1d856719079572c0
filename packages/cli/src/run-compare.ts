/**
 * Comparing finished runs by kdet's experiment protocol: runs whose configs differ only in the seeds
 * (model.seed, data.seed) and the name are one configuration; the baseline is the configuration without
 * distillation terms (or the one named); each other configuration is paired with the baseline seed by seed,
 * and its gain (points of mAP) and verdict come from seed-stats.ts. Reads only config.yaml and
 * eval/metrics.json of each run folder (validated), so it needs no TensorFlow.js.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CliError } from "./errors";
import type { ReportRow } from "./report-html";
import { RUN_FILES } from "./run-folder";
import { aggregateSeeds, verdict } from "./seed-stats";

/** What compare reads of a run's config.yaml. */
const RunConfigSchema = z
  .object({
    name: z.string().optional(),
    model: z.object({ type: z.string(), seed: z.number().int().optional() }).passthrough(),
    data: z.object({ seed: z.number().int().optional() }).passthrough(),
    distill: z.array(z.unknown()).optional(),
  })
  .passthrough();

/** What compare reads of a run's eval/metrics.json (`SplitEvaluation`; mAP and AP50 as fractions). */
const MetricsSchema = z
  .object({
    split: z.string(),
    numImages: z.number().int().nonnegative(),
    mAP: z.number().min(-1).max(1),
    AP50: z.number().min(-1).max(1),
  })
  .passthrough();

/** One finished run. */
export interface ComparedRun {
  dir: string;
  /** Canonical config without seeds and name: equal for runs of one configuration. */
  key: string;
  name: string;
  model: string;
  distilled: boolean;
  /** `model.seed/data.seed`: what pairs a run with the baseline run of the same seed. */
  seed: string;
  split: string;
  numImages: number;
  mAP: number;
  AP50: number;
}

function readJsonOrYaml(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `${file}: cannot read the run's ${what}${code === "ENOENT" ? " (no such file: not a finished kdet run folder?)" : `: ${(e as Error).message}`}`,
    );
  }
  try {
    return parseYaml(text);
  } catch (e) {
    throw new CliError(`${file}: invalid ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new CliError(`${file}: ${i.path.join(".") || "<top level>"}: ${i.message}`);
}

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v !== null && typeof v === "object"
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        )
      : v;

/** Reads a finished run folder (config.yaml and eval/metrics.json). */
export function readRun(dir: string): ComparedRun {
  const cfgFile = path.join(dir, RUN_FILES.config);
  const metricsFile = path.join(dir, RUN_FILES.evaluation, "metrics.json");
  const cfg = parsed(RunConfigSchema, readJsonOrYaml(cfgFile, "config"), cfgFile);
  const m = parsed(MetricsSchema, readJsonOrYaml(metricsFile, "evaluation"), metricsFile);
  const { name: _name, output: _output, ...rest } = cfg as Record<string, unknown>;
  const model = { ...(rest.model as object), seed: undefined };
  const data = { ...(rest.data as object), seed: undefined };
  return {
    dir,
    key: JSON.stringify(sortKeys({ ...rest, model, data })),
    name: cfg.name ?? path.basename(path.resolve(dir)).replace(/-\d+$/, ""),
    model: cfg.model.type,
    distilled: (cfg.distill ?? []).length > 0,
    seed: `${cfg.model.seed ?? 0}/${cfg.data.seed ?? 0}`,
    split: m.split,
    numImages: m.numImages,
    mAP: m.mAP,
    AP50: m.AP50,
  };
}

/** Runs of one configuration, in seed order. */
export interface RunGroup {
  label: string;
  runs: ComparedRun[];
}

/** Groups runs by configuration (seeds and names aside); labels are the configs' names, made unique. */
export function groupRuns(runs: readonly ComparedRun[]): RunGroup[] {
  const groups: RunGroup[] = [];
  const byKey = new Map<string, RunGroup>();
  for (const r of runs) {
    let g = byKey.get(r.key);
    if (!g) {
      const taken = groups.filter((x) => x.label === r.name || x.label.startsWith(`${r.name}#`)).length;
      g = { label: taken ? `${r.name}#${taken + 1}` : r.name, runs: [] };
      byKey.set(r.key, g);
      groups.push(g);
    }
    const twin = g.runs.find((x) => x.seed === r.seed);
    if (twin)
      throw new CliError(
        `${r.dir} and ${twin.dir}: the same configuration with the same seeds (model.seed/data.seed ${r.seed}); allowed: one run per seed`,
      );
    g.runs.push(r);
  }
  for (const g of groups) g.runs.sort((a, b) => a.seed.localeCompare(b.seed, "en", { numeric: true }));
  return groups;
}

const row = (
  g: RunGroup,
  runs: readonly ComparedRun[],
  gain: boolean,
): { label: string; rows: ReportRow[] } => ({
  label: g.label,
  rows: runs.map((r) => ({
    label: g.label,
    model: r.model,
    params: 0,
    gflops: 0,
    msPerImage: 0,
    mAP: r.mAP,
    AP50: r.AP50,
    gain: gain ? 0 : null,
  })),
});

/** The comparison: one row per configuration (gain over the baseline, paired by seed) and the verdicts. */
export interface Comparison {
  baseline: string;
  split: string;
  rows: ReportRow[];
  /** Seeds of each row, as `model.seed/data.seed`. */
  seeds: string[][];
  verdicts: string[];
}

/**
 * Compares the runs: `baseline` names a configuration (a label or one of its run folders); default: the only
 * configuration without distillation terms, else the first. Every run must be evaluated on the same split, and
 * every seed of a compared configuration must have a baseline run.
 */
export function compareRuns(runs: readonly ComparedRun[], baseline?: string): Comparison {
  if (runs.length < 2)
    throw new CliError(`give at least two run folders (a baseline and a method); got ${runs.length}`);
  const splits = new Set(runs.map((r) => `${r.split} (${r.numImages} images)`));
  if (splits.size > 1)
    throw new CliError(
      `the runs were evaluated on different data: ${[...splits].join(", ")}; allowed: the same split for every run`,
    );
  const groups = groupRuns(runs);
  const plain = groups.filter((g) => !g.runs[0]!.distilled);
  const base = baseline
    ? groups.find(
        (g) => g.label === baseline || g.runs.some((r) => path.resolve(r.dir) === path.resolve(baseline)),
      )
    : plain.length === 1
      ? plain[0]
      : groups[0];
  if (!base)
    throw new CliError(
      `--baseline: got "${baseline}"; allowed: ${groups.map((g) => g.label).join(", ")} or one of their run folders`,
    );
  if (groups.length < 2)
    throw new CliError(
      `all ${runs.length} runs are one configuration (${base.label}, seeds ${base.runs.map((r) => r.seed).join(", ")}); give runs of a second configuration to compare with`,
    );
  const [baseRow] = aggregateSeeds([row(base, base.runs, false)], undefined);
  const rows: ReportRow[] = [baseRow!];
  const seeds = [base.runs.map((r) => r.seed)];
  const verdicts: string[] = [];
  for (const g of groups) {
    if (g === base) continue;
    const missing = g.runs.filter((r) => !base.runs.some((b) => b.seed === r.seed));
    if (missing.length)
      throw new CliError(
        `${missing.map((r) => r.dir).join(", ")}: no ${base.label} run with the same seeds (model.seed/data.seed ${missing.map((r) => r.seed).join(", ")}); the protocol pairs runs by seed — allowed seeds: ${base.runs.map((r) => r.seed).join(", ")}`,
      );
    const paired = g.runs.map((r) => base.runs.find((b) => b.seed === r.seed)!);
    const [b, m] = aggregateSeeds([row(base, paired, false), row(g, g.runs, true)], base.label);
    rows.push(m!);
    seeds.push(g.runs.map((r) => r.seed));
    verdicts.push(`${g.label}: ${verdict(m!, b!)}`);
  }
  return { baseline: base.label, split: runs[0]!.split, rows, seeds, verdicts };
}

/** The comparison as text: a markdown table (mAP and AP50 in points), the seeds and the verdicts. */
export function comparisonText(c: Comparison): string {
  const pts = (v: number, s: number | undefined, n: number | undefined) =>
    `${(100 * v).toFixed(1)}${n && n > 1 && s !== undefined ? ` ± ${(100 * s).toFixed(1)}` : ""}`;
  const lines = ["| run | architecture | seeds | mAP | AP50 | gain (mAP) |", "|---|---|---:|---:|---:|---:|"];
  for (const r of c.rows)
    lines.push(
      `| ${r.label} | ${r.model} | ${r.seeds ?? 1} | ${pts(r.mAP, r.mAPStd, r.seeds)} | ${pts(r.AP50, r.AP50Std, r.seeds)} | ${r.gain === null ? "" : `${r.gain >= 0 ? "+" : ""}${r.gain.toFixed(1)}${(r.seeds ?? 1) > 1 && r.gainStd !== undefined ? ` ± ${r.gainStd.toFixed(1)}` : ""}`} |`,
    );
  const seedLines = c.rows.map((r, i) => `${r.label} ${c.seeds[i]!.join(", ")}`).join("; ");
  return `${lines.join("\n")}\n\n${c.split} split; mAP in points, mean ± sample std over seeds (model.seed/data.seed: ${seedLines}); gain = mean of per-seed differences to ${c.baseline}\n${c.verdicts.join("\n")}\n`;
}
