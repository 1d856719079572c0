import { accumulate, type Accumulated } from "./accumulate";
import type { CocoParams, ResolvedParams } from "./coco-params";
import { evaluate, type EvalState } from "./evaluate";
import type { GroundTruth, Results } from "./load";
import type { NumpySum } from "./numpy-float";
import { STATS_NAMES, formatSummary, summarize, summarizeStat, statSpecs } from "./summarize";

/** pycocotools parameters plus the numpy summation model of the final means. */
export interface CocoEvalOptions extends CocoParams {
  /**
   * Which numpy summation to reproduce in the final means: "numpy>=2.3" (default; what a fresh
   * `pip install pycocotools` gets) or "numpy<2.3". They differ by 1-2 ulp, only with more than 8 categories.
   */
  numpySum?: NumpySum;
}

/** One row of the per-category table: the 12 statistics restricted to one category (-1 where absent). */
export interface CategoryRow {
  readonly catId: number;
  readonly name: string;
  readonly AP: number;
  readonly AP50: number;
  readonly AP75: number;
  readonly APs: number;
  readonly APm: number;
  readonly APl: number;
  readonly AR1: number;
  readonly AR10: number;
  readonly AR100: number;
  readonly ARs: number;
  readonly ARm: number;
  readonly ARl: number;
}

/** Everything pycocotools' COCOeval holds after evaluate / accumulate / summarize, plus per-category rows. */
export interface CocoEvalResult extends Accumulated {
  readonly params: ResolvedParams;
  /** The 12 summary statistics, bit-identical to pycocotools' `stats`. */
  readonly stats: number[];
  readonly statsNames: readonly string[];
  /** The 12 lines pycocotools prints. */
  readonly summary: string;
  readonly numImages: number;
  readonly numGroundTruths: number;
  readonly numDetections: number;
  /** The evaluate() state (matches per detection), used by the extras (PR curves, confusion summary). */
  readonly state: EvalState;
  /** Per category (useCats only; empty otherwise). */
  perCategory(): CategoryRow[];
}

/** evaluate() + accumulate() + summarize() in one call. */
export function cocoEvaluate(gt: GroundTruth, dt: Results, opts: CocoEvalOptions = {}): CocoEvalResult {
  const state = evaluate(gt, dt, opts);
  const acc = accumulate(state);
  const numpySum = opts.numpySum ?? "numpy>=2.3";
  const stats = summarize(acc, state.params, { numpySum });
  return {
    ...acc,
    params: state.params,
    stats,
    statsNames: STATS_NAMES,
    summary: formatSummary(stats, state.params),
    numImages: state.params.imgIds.length,
    numGroundTruths: gt.ann.n,
    numDetections: dt.n,
    state,
    perCategory: () => perCategoryTable(acc, state, numpySum),
  };
}

/** The 12 statistics per category, in catIds order (pycocotools means over one K entry). */
export function perCategoryTable(
  acc: Accumulated,
  state: EvalState,
  numpySum: NumpySum = "numpy>=2.3",
): CategoryRow[] {
  if (!state.params.useCats) return [];
  const names = new Map<number, string>();
  for (const c of state.gt.categories) names.set(c.id, typeof c.name === "string" ? c.name : String(c.id));
  const specs = statSpecs(state.params);
  return state.unitCatIds.map((catId, k) => {
    const v = specs.map((s) => summarizeStat(acc, state.params, s, { numpySum, onlyK: k }));
    const row: Record<string, number | string> = { catId, name: names.get(catId) ?? String(catId) };
    STATS_NAMES.forEach((n, i) => (row[n] = v[i]!));
    return row as unknown as CategoryRow;
  });
}
