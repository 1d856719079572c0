/**
 * Line charts as inline SVG strings (no script, no external resources), for report.html: axes
 * with "nice" ticks, one polyline per series, a legend.
 */

/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
}

/** A chart's content and size. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Fixed y range (default: the data's, from 0 when all values are positive). */
  yMin?: number;
  yMax?: number;
  xMin?: number;
  xMax?: number;
  /** Log scale on y (positive values only). */
  logY?: boolean;
  /** Only integer x ticks (epochs, steps). */
  integerX?: boolean;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Integer ticks covering [lo, hi] (epochs, steps): every integer for short ranges, else a round integer step. */
export function integerTicks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count;
  const mag = raw > 1 ? 10 ** Math.floor(Math.log10(raw)) : 1;
  const step = raw <= 1 ? 1 : ([1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw) ?? 10 * mag);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmtTick = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/** The chart as an `<svg>` element (class "chart"; one `<polyline class="series">` per non-empty series). */
export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 420;
  const H = o.height ?? 260;
  const m = { l: 52, r: 12, t: 26, b: 40 };
  const all = o.series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0));
  const ty = (y: number) => (o.logY ? Math.log10(y) : y);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => ty(p[1]));
  const x0 = o.xMin ?? (xs.length ? Math.min(...xs) : 0);
  let x1 = o.xMax ?? (xs.length ? Math.max(...xs) : 1);
  let y0 = o.yMin !== undefined ? ty(o.yMin) : ys.length ? Math.min(...ys) : 0;
  let y1 = o.yMax !== undefined ? ty(o.yMax) : ys.length ? Math.max(...ys) : 1;
  if (!o.logY && o.yMin === undefined && y0 > 0) y0 = 0;
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + (Math.abs(y0) || 1);
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((ty(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(o.title)}</text>`,
  );
  const yt = o.logY ? niceTicks(y0, y1, 4).filter((v) => Number.isInteger(v)) : niceTicks(y0, y1, 5);
  for (const v of yt) {
    const y = H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${m.l - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="10">${o.logY ? fmtTick(10 ** v) : fmtTick(v)}</text>`,
    );
  }
  for (const v of o.integerX ? integerTicks(x0, x1) : niceTicks(x0, x1, 5)) {
    const x = px(v);
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${x.toFixed(1)}" y="${H - m.b + 15}" text-anchor="middle" font-size="10">${fmtTick(v)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(12 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(o.yLabel)}</text>`,
  );
  for (const s of o.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0));
    if (pts.length === 0) continue;
    const d = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline class="series" data-name="${esc(s.name)}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ""} points="${d}"/>`,
    );
    if (pts.length === 1)
      parts.push(
        `<circle cx="${px(pts[0]![0]).toFixed(1)}" cy="${py(pts[0]![1]).toFixed(1)}" r="3" fill="${s.color}"/>`,
      );
  }
  const named = o.series.filter((s) => s.points.length > 0);
  named.forEach((s, i) => {
    const y = m.t + 6 + i * 14;
    parts.push(
      `<line x1="${W - m.r - 110}" x2="${W - m.r - 94}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/><text x="${W - m.r - 90}" y="${y + 4}" font-size="10">${esc(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
