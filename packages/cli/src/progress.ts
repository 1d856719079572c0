/**
 * Progress of long steps (training epochs, teacher caching, evaluation): on a terminal a bar
 * redrawn in place with count, percent, elapsed<ETA, throughput and the latest loss parts; when
 * not a terminal (CI logs) nothing while running and one summary line when the step ends.
 */
import type { CliIo } from "./cli-io";

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Numbers of the latest update shown beside the bar (`loss 2.31 box 0.81 …`). */
export type ProgressInfo = Record<string, number>;

/** Options of a progress bar. */
export interface ProgressOptions {
  label: string;
  total: number;
  /** What one unit of throughput is (e.g. "img"); `perTick` units per tick (e.g. the batch size). */
  unit?: string;
  perTick?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** One progress bar. */
export class Progress {
  private done = 0;
  private readonly t0: number;
  private lastDraw = -Infinity;
  private info: ProgressInfo = {};
  private finished = false;
  private readonly now: () => number;

  constructor(
    private readonly io: CliIo,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.t0 = this.now();
  }

  /** Seconds since the start. */
  get elapsed(): number {
    return (this.now() - this.t0) / 1000;
  }

  /** Units per second so far. */
  get rate(): number {
    return (this.done * (this.opts.perTick ?? 1)) / Math.max(this.elapsed, 1e-9);
  }

  /** Advances by `n` ticks and records the latest numbers. */
  tick(n = 1, info?: ProgressInfo): void {
    this.done = Math.min(this.opts.total, this.done + n);
    if (info) this.info = info;
    if (!this.io.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < 100 && this.done < this.opts.total) return;
    this.lastDraw = t;
    this.io.stderr(`\r${this.line(this.io.columns ?? 100)}\x1b[K`);
  }

  /** The bar's text (count, percent, elapsed<ETA, throughput, numbers), cut to `width`. */
  line(width: number): string {
    const { total, label, unit = "it" } = this.opts;
    const frac = total > 0 ? this.done / total : 1;
    const el = this.elapsed;
    const eta = this.done > 0 ? (el / this.done) * (total - this.done) : NaN;
    const nums = Object.entries(this.info)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join(" ");
    const tail = `${this.done}/${total} ${String(Math.round(frac * 100)).padStart(3)}% ${formatDuration(el)}<${formatDuration(eta)} ${fmtNum(this.rate)} ${unit}/s${nums ? `  ${nums}` : ""}`;
    const barWidth = Math.max(10, Math.min(30, width - label.length - tail.length - 4));
    const fill = Math.round(frac * barWidth);
    return `${label} [${"#".repeat(fill)}${"-".repeat(barWidth - fill)}] ${tail}`.slice(
      0,
      Math.max(20, width - 1),
    );
  }

  /** Ends the bar: on a terminal the final bar stays, otherwise one summary line is printed. */
  finish(summary?: string): void {
    if (this.finished) return;
    this.finished = true;
    const nums = Object.entries(this.info)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join(" ");
    const text = `${this.opts.label}: ${this.done}/${this.opts.total} in ${formatDuration(this.elapsed)} (${fmtNum(this.rate)} ${this.opts.unit ?? "it"}/s)${nums ? `, ${nums}` : ""}${summary ? `; ${summary}` : ""}`;
    if (this.io.isTTY)
      this.io.stderr(`\r${text.slice(0, Math.max(20, (this.io.columns ?? 100) - 1))}\x1b[K\n`);
    else this.io.stderr(`${text}\n`);
  }
}

/** Compact number: 3 significant digits, no exponent for ordinary magnitudes. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return "0";
  return v.toPrecision(3);
}
