/**
 * report.html: one self-contained page (inline CSS, SVG charts and PNG data URIs; no script, no
 * network) with the results table, loss curves, mAP over epochs, per-class PR curves and sample
 * predictions of every model side by side.
 */
import type { SplitEvaluation } from "./evaluate-split";
import { smooth, type MetricsLog } from "./metrics-log";
import { classColour } from "./draw-boxes";
import { lineChart, type Series } from "./svg-chart";

/** One model of the report (teacher, baseline student, distilled student, …). */
export interface ReportEntry {
  label: string;
  colour: string;
  log: MetricsLog;
  evaluation?: SplitEvaluation;
}

/** One row of the results table. */
export interface ReportRow {
  label: string;
  model: string;
  params: number;
  gflops: number;
  msPerImage: number;
  mAP: number;
  AP50: number;
  /** mAP gain over the baseline in points (null: not a student). */
  gain: number | null;
  /** Over several seeds: how many, and the standard deviations (mAP/AP50 as fractions, gain in points). */
  seeds?: number;
  mAPStd?: number;
  AP50Std?: number;
  gainStd?: number;
}

/** mAP/AP50 in points, with ± std over seeds when there are several. */
function pts(v: number, std: number | undefined, seeds: number | undefined): string {
  return `${(100 * v).toFixed(1)}${seeds && seeds > 1 && std !== undefined ? ` ± ${(100 * std).toFixed(1)}` : ""}`;
}
function gainText(r: ReportRow): string {
  if (r.gain === null) return "";
  return `${r.gain >= 0 ? "+" : ""}${r.gain.toFixed(1)}${r.seeds && r.seeds > 1 && r.gainStd !== undefined ? ` ± ${r.gainStd.toFixed(1)}` : ""}`;
}

/** One sample image: a PNG per column (ground truth first). */
export interface ReportSample {
  title: string;
  cells: Array<{ label: string; png: Uint8Array; width: number; height: number }>;
  /** Classes drawn in this row (name, class index → colour), for the legend. */
  classes?: Array<{ name: string; index: number }>;
}

/** Everything on the page. */
export interface ReportData {
  title: string;
  /** Lines under the title (command, backend, machine, time). */
  notes: string[];
  rows: ReportRow[];
  entries: ReportEntry[];
  samples: ReportSample[];
  /** The resolved config(s), shown folded. */
  config?: string;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const PART_COLOURS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Formats a parameter count as 3.16M / 812k. */
export function fmtParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

/** The results table as HTML (also used for the README's markdown via `resultsMarkdown`). */
function tableHtml(rows: readonly ReportRow[]): string {
  const head =
    "<tr><th>model</th><th>architecture</th><th>params</th><th>GFLOPs</th><th>ms/img</th><th>mAP</th><th>AP50</th><th>gain (mAP)</th></tr>";
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.label)}</td><td>${esc(r.model)}</td><td>${fmtParams(r.params)}</td><td>${r.gflops.toFixed(3)}</td><td>${r.msPerImage.toFixed(1)}</td><td>${pts(r.mAP, r.mAPStd, r.seeds)}</td><td>${pts(r.AP50, r.AP50Std, r.seeds)}</td><td>${gainText(r)}</td></tr>`,
    )
    .join("");
  return `<table class="results">${head}${body}</table>`;
}

/** The results table as markdown (printed by the demo, pasted in the README). */
export function resultsMarkdown(rows: readonly ReportRow[]): string {
  const lines = [
    "| model | architecture | params | GFLOPs | ms/img | mAP | AP50 | gain (mAP) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.label} | ${r.model} | ${fmtParams(r.params)} | ${r.gflops.toFixed(3)} | ${r.msPerImage.toFixed(1)} | ${pts(r.mAP, r.mAPStd, r.seeds)} | ${pts(r.AP50, r.AP50Std, r.seeds)} | ${gainText(r)} |`,
    );
  return lines.join("\n");
}

function lossCharts(entries: readonly ReportEntry[]): string {
  const total: Series[] = entries
    .filter((e) => e.log.steps.length)
    .map((e) => ({
      name: e.label,
      color: e.colour,
      points: zip(
        e.log.steps.map((s) => s.step),
        smooth(e.log.steps.map((s) => s.loss)),
      ),
    }));
  const charts = [
    lineChart({
      title: "training loss (smoothed)",
      xLabel: "step",
      yLabel: "loss",
      series: total,
      integerX: true,
    }),
  ];
  for (const e of entries) {
    if (!e.log.steps.length) continue;
    const names = [...new Set(e.log.steps.flatMap((s) => Object.keys(s.parts)))];
    const series = names.map((n, i) => ({
      name: n,
      color: PART_COLOURS[i % PART_COLOURS.length]!,
      points: zip(
        e.log.steps.map((s) => s.step),
        smooth(e.log.steps.map((s) => s.parts[n] ?? NaN)),
      ),
    }));
    charts.push(
      lineChart({
        title: `loss parts: ${e.label}`,
        xLabel: "step",
        yLabel: "weighted loss",
        series,
        integerX: true,
      }),
    );
  }
  return charts.join("\n");
}

function zip(xs: readonly number[], ys: readonly number[]): Array<[number, number]> {
  return xs.map((x, i) => [x, ys[i]!]);
}

function mapCharts(entries: readonly ReportEntry[]): string {
  const withVal = entries.filter((e) => e.log.vals.length);
  if (!withVal.length) return "<p>No validation during training (train.valEvery = 0 or no val split).</p>";
  const series = (key: "mAP" | "AP50"): Series[] =>
    withVal.map((e) => ({
      name: e.label,
      color: e.colour,
      points: e.log.vals.map((v) => [v.epoch + 1, 100 * v.metrics[key]] as const),
    }));
  return [
    lineChart({
      title: "validation mAP@[.5:.95] per epoch",
      xLabel: "epoch",
      yLabel: "mAP (points)",
      series: series("mAP"),
      yMin: 0,
      xMin: 0,
      integerX: true,
    }),
    lineChart({
      title: "validation AP50 per epoch",
      xLabel: "epoch",
      yLabel: "AP50 (points)",
      series: series("AP50"),
      yMin: 0,
      xMin: 0,
      integerX: true,
    }),
  ].join("\n");
}

function prCharts(entries: readonly ReportEntry[]): string {
  const evaluated = entries.filter((e) => e.evaluation);
  if (!evaluated.length) return "";
  const classes = evaluated[0]!.evaluation!.curves.map((c) => c.name);
  return classes
    .map((name, k) => {
      const gts = evaluated[0]!.evaluation!.curves[k]?.gts ?? 0;
      if (gts === 0) return "";
      const series: Series[] = evaluated.map((e) => {
        const c = e.evaluation!.curves[k];
        return {
          name: `${e.label}${c && c.ap50 >= 0 ? ` ${(100 * c.ap50).toFixed(0)}` : ""}`,
          color: e.colour,
          points: c?.precision.length ? zip(c.recall, c.precision) : [],
        };
      });
      return lineChart({
        title: `${name} (${gts} objects), IoU 0.5`,
        xLabel: "recall",
        yLabel: "precision",
        series,
        xMin: 0,
        xMax: 1,
        yMin: 0,
        yMax: 1,
        width: 330,
        height: 240,
      });
    })
    .join("\n");
}

function perClassTable(entries: readonly ReportEntry[]): string {
  const evaluated = entries.filter((e) => e.evaluation);
  if (!evaluated.length) return "";
  const names = evaluated[0]!.evaluation!.perClass.map((r) => r.name);
  const head = `<tr><th>class</th>${evaluated.map((e) => `<th>${esc(e.label)}<br>AP / AP50</th>`).join("")}</tr>`;
  const body = names
    .map(
      (n, k) =>
        `<tr><td>${esc(n)}</td>${evaluated
          .map((e) => {
            const r = e.evaluation!.perClass[k];
            return `<td>${r && r.AP >= 0 ? `${(100 * r.AP).toFixed(1)} / ${(100 * r.AP50).toFixed(1)}` : "–"}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("");
  return `<table class="perclass">${head}${body}</table>`;
}

function samplesHtml(samples: readonly ReportSample[]): string {
  if (!samples.length) return "<p>No samples (output.samples = 0).</p>";
  const labels = samples[0]!.cells.map((c) => c.label);
  const head = `<tr><th>image</th>${labels.map((l) => `<th>${esc(l)}</th>`).join("")}</tr>`;
  const body = samples
    .map(
      (s) =>
        `<tr><td>${esc(s.title)}</td>${s.cells.map((c) => `<td><img class="sample" alt="${esc(`${s.title}: ${c.label}`)}" width="${c.width}" height="${c.height}" src="data:image/png;base64,${Buffer.from(c.png).toString("base64")}"></td>`).join("")}</tr>`,
    )
    .join("");
  const seen = new Map<number, string>();
  for (const s of samples) for (const c of s.classes ?? []) seen.set(c.index, c.name);
  const legend = [...seen]
    .sort((a, b) => a[0] - b[0])
    .map(([k, n]) => `<span class="swatch" style="background:${classColour(k)}"></span>${esc(n)}`)
    .join(" ");
  return `${legend ? `<p class="legend">${legend}</p>` : ""}<table class="samples">${head}${body}</table>`;
}

/** The whole page. */
export function renderReport(d: ReportData): string {
  const css = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.notes{color:#555;font-size:13px;margin:2px 0}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee}
.samples td{padding:2px}.legend{font-size:13px}.swatch{display:inline-block;width:11px;height:11px;margin:0 4px 0 10px;vertical-align:-1px}.sample{image-rendering:pixelated;display:block}pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title><style>${css}</style></head><body>
<h1>${esc(d.title)}</h1>
${d.notes.map((n) => `<p class="notes">${esc(n)}</p>`).join("\n")}
<h2>Results</h2>
${tableHtml(d.rows)}
<h2>Loss curves</h2>
<div class="charts" id="loss">${lossCharts(d.entries)}</div>
<h2>mAP over epochs</h2>
<div class="charts" id="map">${mapCharts(d.entries)}</div>
<h2>Precision–recall per class</h2>
<div class="charts" id="pr">${prCharts(d.entries)}</div>
<h2>Per-class AP</h2>
${perClassTable(d.entries)}
<h2>Sample predictions</h2>
<p class="notes">Detections with score ≥ 0.3, labelled with class and score; colours are classes (legend).</p>
${samplesHtml(d.samples)}
${d.config ? `<h2>Config</h2><details><summary>resolved config</summary><pre>${esc(d.config)}</pre></details>` : ""}
</body></html>
`;
}
