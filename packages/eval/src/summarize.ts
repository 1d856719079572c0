import { EvalInputError } from "./errors";
import type { Accumulated } from "./accumulate";
import type { ResolvedParams } from "./coco-params";
import { padLeft, padRight, pyFixed } from "./format";
import { npMean, type NumpySum } from "./numpy-float";

/** Names of the 12 stats, in pycocotools' order. */
export const STATS_NAMES = [
  "AP",
  "AP50",
  "AP75",
  "APs",
  "APm",
  "APl",
  "AR1",
  "AR10",
  "AR100",
  "ARs",
  "ARm",
  "ARl",
] as const;

/** One line of pycocotools' `_summarizeDets`. */
export interface StatSpec {
  readonly ap: boolean;
  readonly iouThr: number | null;
  readonly areaRng: string;
  readonly maxDets: number;
}

/**
 * The 12 statistics of `summarize()`; stat 0 hard-codes maxDets = 100 (it is -1 when 100 is not in maxDets).
 * pycocotools indexes maxDets[0..2] (an IndexError with fewer than three): fewer than three is an error here too.
 */
export function statSpecs(params: ResolvedParams): StatSpec[] {
  const md = params.maxDets;
  if (md.length < 3) {
    throw new EvalInputError(
      `summarize needs at least three maxDets (pycocotools reads maxDets[0], [1] and [2] for AR1 / AR10 / AR100), got [${md.join(", ")}]`,
      "params",
      "maxDets",
      "invalid evaluation",
    );
  }
  const m = (i: number): number => md[i]!;
  return [
    { ap: true, iouThr: null, areaRng: "all", maxDets: 100 },
    { ap: true, iouThr: 0.5, areaRng: "all", maxDets: m(2) },
    { ap: true, iouThr: 0.75, areaRng: "all", maxDets: m(2) },
    { ap: true, iouThr: null, areaRng: "small", maxDets: m(2) },
    { ap: true, iouThr: null, areaRng: "medium", maxDets: m(2) },
    { ap: true, iouThr: null, areaRng: "large", maxDets: m(2) },
    { ap: false, iouThr: null, areaRng: "all", maxDets: m(0) },
    { ap: false, iouThr: null, areaRng: "all", maxDets: m(1) },
    { ap: false, iouThr: null, areaRng: "all", maxDets: m(2) },
    { ap: false, iouThr: null, areaRng: "small", maxDets: m(2) },
    { ap: false, iouThr: null, areaRng: "medium", maxDets: m(2) },
    { ap: false, iouThr: null, areaRng: "large", maxDets: m(2) },
  ];
}

/**
 * One `_summarize` value: the mean of the entries > -1 of the selected slice, gathered in C order (t, r, k, then
 * the (area, maxDet) index pairs), with numpy's summation; -1 if there are none. `onlyK` restricts the K axis to
 * one entry (per-category tables).
 */
export function summarizeStat(
  acc: Accumulated,
  params: ResolvedParams,
  spec: StatSpec,
  opts: { numpySum?: NumpySum; onlyK?: number } = {},
): number {
  const [T, R, K, A, M] = acc.precisionShape;
  const tInd: number[] = [];
  for (let t = 0; t < T; t++) if (spec.iouThr === null || params.iouThrs[t] === spec.iouThr) tInd.push(t);
  const aind: number[] = [];
  params.areaRngLbl.forEach((l, i) => l === spec.areaRng && aind.push(i));
  const mind: number[] = [];
  params.maxDets.forEach((m, i) => m === spec.maxDets && mind.push(i));
  // numpy advanced indexing s[..., aind, mind] broadcasts the two index lists together
  const pairs: [number, number][] = [];
  if (aind.length === mind.length) aind.forEach((a, i) => pairs.push([a, mind[i]!]));
  else if (aind.length === 1) mind.forEach((m) => pairs.push([aind[0]!, m]));
  else if (mind.length === 1) aind.forEach((a) => pairs.push([a, mind[0]!]));
  const k0 = opts.onlyK ?? 0;
  const k1 = opts.onlyK === undefined ? K : opts.onlyK + 1;
  const vals = new Float64Array(tInd.length * (spec.ap ? R : 1) * (k1 - k0) * pairs.length);
  let n = 0;
  if (spec.ap) {
    for (const t of tInd) {
      for (let r = 0; r < R; r++) {
        for (let k = k0; k < k1; k++) {
          const base = ((t * R + r) * K + k) * A;
          for (const [a, m] of pairs) {
            const v = acc.precision[(base + a) * M + m]!;
            if (v > -1) vals[n++] = v;
          }
        }
      }
    }
  } else {
    for (const t of tInd) {
      for (let k = k0; k < k1; k++) {
        const base = (t * K + k) * A;
        for (const [a, m] of pairs) {
          const v = acc.recall[(base + a) * M + m]!;
          if (v > -1) vals[n++] = v;
        }
      }
    }
  }
  return n === 0 ? -1 : npMean(vals, n, opts.numpySum ?? "numpy>=2.3");
}

/** pycocotools' `stats`: the 12 numbers of `summarize()`. */
export function summarize(
  acc: Accumulated,
  params: ResolvedParams,
  opts: { numpySum?: NumpySum; onlyK?: number } = {},
): number[] {
  return statSpecs(params).map((s) => summarizeStat(acc, params, s, opts));
}

/**
 * The text `summarize()` prints, line for line:
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.123`
 */
export function formatSummaryLine(spec: StatSpec, value: number, params: ResolvedParams): string {
  const title = spec.ap ? "Average Precision" : "Average Recall";
  const type = spec.ap ? "(AP)" : "(AR)";
  const iouStr =
    spec.iouThr === null
      ? `${pyFixed(params.iouThrs[0]!, 2)}:${pyFixed(params.iouThrs[params.iouThrs.length - 1]!, 2)}`
      : pyFixed(spec.iouThr, 2);
  const md = String(spec.maxDets);
  return ` ${padRight(title, 18)} ${type} @[ IoU=${padRight(iouStr, 9)} | area=${padLeft(spec.areaRng, 6)} | maxDets=${padLeft(md, 3)} ] = ${pyFixed(value, 3)}`;
}

/** The 12-line summary (each line ends with "\n"), exactly as pycocotools prints it. */
export function formatSummary(stats: readonly number[], params: ResolvedParams): string {
  return statSpecs(params)
    .map((s, i) => `${formatSummaryLine(s, stats[i]!, params)}\n`)
    .join("");
}
