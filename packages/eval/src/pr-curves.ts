import { unitOrder } from "./accumulate";
import type { CocoEvalResult } from "./coco-eval";
import { CODE_FP, CODE_TP, codeAt } from "./evaluate";

/**
 * Extras (not part of pycocotools): per-class precision/recall curves for plots and the F1-optimal score
 * threshold. They are derived from the same matching as the COCO numbers.
 */
export interface PrCurve {
  readonly catId: number;
  readonly name: string;
  readonly iouThr: number;
  /** Non-ignored gts (the recall denominator); 0 means the class has no curve. */
  readonly npig: number;
  /** COCO's interpolated curve: precision at each recall threshold (from the precision array; -1 if absent). */
  readonly recThrs: readonly number[];
  readonly interpolated: readonly number[];
  /** Raw curve, one point per non-ignored detection in score order (stable): score, precision, recall. */
  readonly scores: Float64Array;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  /** F1-optimal operating point (null when there is no TP): keep detections with score >= threshold. */
  readonly bestF1: {
    readonly f1: number;
    readonly threshold: number;
    readonly precision: number;
    readonly recall: number;
  } | null;
}

/** Which slice of the evaluation the curves are taken from. */
export interface PrCurveOptions {
  /** IoU threshold; must be one of params.iouThrs (default 0.5). */
  iouThr?: number;
  /** Area range label (default "all"). */
  areaRng?: string;
  /** maxDets entry (default the largest). */
  maxDets?: number;
}

/** One curve per category (useCats only). */
export function prCurves(res: CocoEvalResult, opts: PrCurveOptions = {}): PrCurve[] {
  const ev = res.state;
  const p = res.params;
  if (!p.useCats) throw new Error("prCurves needs useCats = true (per-category matching)");
  const iouThr = opts.iouThr ?? 0.5;
  const t = p.iouThrs.indexOf(iouThr);
  if (t < 0) throw new RangeError(`iouThr ${iouThr} is not one of params.iouThrs (${p.iouThrs.join(", ")})`);
  const a = p.areaRngLbl.indexOf(opts.areaRng ?? "all");
  if (a < 0) throw new RangeError(`areaRng "${opts.areaRng}" is not one of ${p.areaRngLbl.join(", ")}`);
  const maxDet = opts.maxDets ?? p.maxDets[p.maxDets.length - 1]!;
  const mi = p.maxDets.indexOf(maxDet);
  if (mi < 0) throw new RangeError(`maxDets ${maxDet} is not one of ${p.maxDets.join(", ")}`);
  const names = new Map(
    ev.gt.categories.map((c) => [c.id, typeof c.name === "string" ? c.name : String(c.id)]),
  );
  const [, R, K, A, M] = res.precisionShape;
  return ev.unitCatIds.map((catId, k) => {
    const npig = ev.npig[k * A + a]!;
    const interpolated: number[] = [];
    for (let r = 0; r < R; r++) interpolated.push(res.precision[(((t * R + r) * K + k) * A + a) * M + mi]!);
    const order = ev.hasE[k] ? unitOrder(ev, k) : new Int32Array(0);
    const sc: number[] = [];
    const pr: number[] = [];
    const rc: number[] = [];
    const last: boolean[] = []; // last detection of a run of equal scores (a threshold cannot split ties)
    let tp = 0;
    let fp = 0;
    for (const s of order) {
      if (ev.slotRank[s]! >= maxDet) continue;
      const c = codeAt(ev, s, a, t);
      if (c === CODE_TP) tp++;
      else if (c === CODE_FP) fp++;
      else continue;
      const score = ev.dt.score[ev.slotDet[s]!]!;
      if (sc.length > 0 && sc[sc.length - 1] === score) last[last.length - 1] = false;
      sc.push(score);
      pr.push(tp / (tp + fp));
      rc.push(npig > 0 ? tp / npig : 0);
      last.push(true);
    }
    let bestF1: PrCurve["bestF1"] = null;
    if (npig > 0) {
      for (let i = 0; i < sc.length; i++) {
        if (!last[i] || rc[i] === 0) continue;
        const f1 = (2 * pr[i]! * rc[i]!) / (pr[i]! + rc[i]!);
        if (bestF1 === null || f1 > bestF1.f1)
          bestF1 = { f1, threshold: sc[i]!, precision: pr[i]!, recall: rc[i]! };
      }
    }
    return {
      catId,
      name: names.get(catId) ?? String(catId),
      iouThr,
      npig,
      recThrs: p.recThrs,
      interpolated,
      scores: Float64Array.from(sc),
      precision: Float64Array.from(pr),
      recall: Float64Array.from(rc),
      bestF1,
    };
  });
}
