/**
 * Results over several seeds (kdet's experiment protocol): mean ± sample standard deviation of each
 * model's mAP and AP50, the paired gain of each method over the baseline of the same seed, and the
 * verdict — a gain is called real only when the mean gain exceeds both the baseline's and the
 * method's standard deviation of mAP; otherwise "no measurable gain".
 */
import type { ReportRow } from "./report-html";

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** Per-seed rows of one model (same label order in every seed). */
export interface SeedRows {
  label: string;
  rows: ReportRow[];
}

/**
 * One row per model: means (mAP, AP50 and cost) and standard deviations over its seeds; the gain
 * (points) is the mean over seeds of (method − baseline of that seed), with its std.
 */
export function aggregateSeeds(models: readonly SeedRows[], baseline: string | undefined): ReportRow[] {
  const base = models.find((m) => m.label === baseline);
  return models.map((m) => {
    const mAP = meanStd(m.rows.map((r) => r.mAP));
    const AP50 = meanStd(m.rows.map((r) => r.AP50));
    const isStudent = base !== undefined && m.rows.every((r) => r.gain !== null);
    const gains = isStudent ? m.rows.map((r, i) => 100 * (r.mAP - base.rows[i]!.mAP)) : [];
    const g = meanStd(gains);
    return {
      label: m.label,
      model: m.rows[0]!.model,
      params: m.rows[0]!.params,
      gflops: m.rows[0]!.gflops,
      msPerImage: meanStd(m.rows.map((r) => r.msPerImage)).mean,
      mAP: mAP.mean,
      AP50: AP50.mean,
      gain: isStudent ? g.mean : null,
      seeds: m.rows.length,
      mAPStd: mAP.std,
      AP50Std: AP50.std,
      gainStd: isStudent ? g.std : undefined,
    };
  });
}

/** The protocol's verdict for a method row against the baseline row (both aggregated). */
export function verdict(method: ReportRow, baseline: ReportRow): string {
  if (method.gain === null) return "";
  if ((method.seeds ?? 1) < 2) return "one seed: no spread measured (a verdict needs 3 seeds)";
  const g = method.gain;
  const real = Math.abs(g) > 100 * (baseline.mAPStd ?? 0) && Math.abs(g) > 100 * (method.mAPStd ?? 0);
  return real
    ? `${g > 0 ? "real gain" : "real loss"}: |mean gain| ${Math.abs(g).toFixed(1)} > std of baseline ${(100 * baseline.mAPStd!).toFixed(1)} and of ${method.label} ${(100 * method.mAPStd!).toFixed(1)}`
    : `no measurable gain (mean ${g >= 0 ? "+" : ""}${g.toFixed(1)} within the seeds' spread)`;
}
