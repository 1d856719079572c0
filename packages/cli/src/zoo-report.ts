/**
 * The zoo's results: per pairing the protocol's table with the verdict in each row (markdown for results.md), and
 * report.html with those tables and a gain-per-method bar chart (mean paired mAP gain over the seeds, ± its sample
 * standard deviation as an error bar, one group of bars per pairing).
 */
import { resultsMarkdown, type ReportRow } from "./report-html";

/** One pairing's aggregated rows and verdicts. */
export interface ZooTable {
  name: string;
  rows: ReportRow[];
  verdictOf: Record<string, string>;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The markdown table of a pairing with a verdict column (empty for the teacher and the baseline). */
export function zooMarkdown(t: ZooTable): string {
  const lines = resultsMarkdown(t.rows).split("\n");
  return [
    `${lines[0]} verdict |`,
    `${lines[1]}---|`,
    ...t.rows.map((r, i) => `${lines[i + 2]} ${t.verdictOf[r.label] ?? ""} |`),
  ].join("\n");
}

/** An SVG bar chart of the methods' mean gains (points) with ± std error bars, grouped by pairing. */
export function gainChart(tables: readonly ZooTable[]): string {
  const bars = tables.flatMap((t) =>
    t.rows
      .filter((r) => r.gain !== null && r.label !== "baseline")
      .map((r) => ({ group: t.name, label: r.label, gain: r.gain!, std: r.gainStd ?? 0 })),
  );
  const W = 40;
  const H = 240;
  const left = 50;
  const width = left + Math.max(1, bars.length) * W + 20;
  const hi = Math.max(1, ...bars.map((b) => b.gain + b.std));
  const lo = Math.min(-1, ...bars.map((b) => b.gain - b.std));
  const y = (v: number) => 20 + ((hi - v) / (hi - lo)) * (H - 20);
  const parts = [
    `<line x1="${left}" x2="${width - 10}" y1="${y(0)}" y2="${y(0)}" stroke="#444"/>`,
    `<text x="4" y="${y(hi) + 4}" font-size="11">${hi.toFixed(1)}</text>`,
    `<text x="4" y="${y(0) + 4}" font-size="11">0</text>`,
    `<text x="4" y="${y(lo) + 4}" font-size="11">${lo.toFixed(1)}</text>`,
  ];
  bars.forEach((b, i) => {
    const x = left + i * W + 6;
    const top = y(Math.max(0, b.gain));
    const h = Math.abs(y(b.gain) - y(0));
    parts.push(
      `<rect x="${x}" y="${top}" width="${W - 12}" height="${h}" fill="${b.gain >= 0 ? "#2ca02c" : "#d62728"}"><title>${esc(`${b.group} ${b.label}: ${b.gain.toFixed(1)} ± ${b.std.toFixed(1)}`)}</title></rect>`,
      `<line x1="${x + (W - 12) / 2}" x2="${x + (W - 12) / 2}" y1="${y(b.gain + b.std)}" y2="${y(b.gain - b.std)}" stroke="#000"/>`,
      `<text x="${x + (W - 12) / 2}" y="${H + 14}" font-size="10" text-anchor="end" transform="rotate(-45 ${x + (W - 12) / 2} ${H + 14})">${esc(tables.length > 1 ? `${b.group}/${b.label}` : b.label)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 110}" role="img" aria-label="mAP gain per method"><text x="${left}" y="12" font-size="12">mAP gain over the baseline (points, mean ± std over seeds)</text>${parts.join("")}</svg>`;
}

/** The zoo's report.html: notes, one table per pairing (verdict per row) and the gain chart; self-contained. */
export function zooReportHtml(title: string, notes: readonly string[], tables: readonly ZooTable[]): string {
  const table = (t: ZooTable) =>
    `<h2>${esc(t.name)}</h2><table><tr><th>model</th><th>architecture</th><th>mAP</th><th>AP50</th><th>gain</th><th>verdict</th></tr>${t.rows
      .map(
        (r) =>
          `<tr><td>${esc(r.label)}</td><td>${esc(r.model)}</td><td>${(100 * r.mAP).toFixed(1)} ± ${(100 * (r.mAPStd ?? 0)).toFixed(1)}</td><td>${(100 * r.AP50).toFixed(1)}</td><td>${r.gain === null ? "" : `${r.gain >= 0 ? "+" : ""}${r.gain.toFixed(1)} ± ${(r.gainStd ?? 0).toFixed(1)}`}</td><td>${esc(t.verdictOf[r.label] ?? "")}</td></tr>`,
      )
      .join(
        "",
      )}</table><p>Full report with curves and samples: <a href="${esc(t.name)}/report.html">${esc(t.name)}/report.html</a></p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px}.notes{color:#555;font-size:13px;margin:2px 0}</style></head><body>
<h1>${esc(title)}</h1>
${notes.map((n) => `<p class="notes">${esc(n)}</p>`).join("\n")}
<h2>Gain per method</h2>
<div id="gain">${gainChart(tables)}</div>
${tables.map(table).join("\n")}
</body></html>
`;
}
