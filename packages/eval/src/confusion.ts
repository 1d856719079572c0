import type { CocoEvalResult } from "./coco-eval";
import { CODE_FP, CODE_TP, codeAt } from "./evaluate";
import { cocoIou } from "./iou";

/**
 * Extras (not part of pycocotools): a breakdown of the false positives of the COCO matching at one IoU
 * threshold (area "all", largest maxDets), in the spirit of the COCO analyze() / TIDE error types. Each FP gets
 * the first kind that applies:
 * 1. duplicate: it overlaps a same-class gt with IoU >= iouThr (that gt was taken by a higher-scored detection);
 * 2. localisation: its best same-class IoU is in [bgIouThr, iouThr);
 * 3. wrong class: it overlaps a gt of another class with IoU >= bgIouThr;
 * 4. background: anything else.
 * Crowd gts are not used for the kinds (detections matched to them are ignored, not FPs).
 */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  /** Non-ignored gts not matched (npig - tp). */
  fn: number;
  duplicate: number;
  localisation: number;
  wrongClass: number;
  background: number;
}

/** Counts over all categories, per category, and the most frequent (detected, actual) class confusions. */
export interface ConfusionSummary {
  readonly iouThr: number;
  readonly bgIouThr: number;
  readonly total: ConfusionCounts;
  readonly perClass: ReadonlyArray<{ readonly catId: number; readonly name: string } & ConfusionCounts>;
  /** Wrong-class FPs by (detected class, overlapped gt class), most frequent first. */
  readonly classConfusions: ReadonlyArray<{
    readonly detected: number;
    readonly actual: number;
    readonly count: number;
  }>;
}

/** The false-positive breakdown of `res` at IoU `iouThr` (default 0.5; must be one of params.iouThrs). */
export function confusionSummary(
  res: CocoEvalResult,
  opts: { iouThr?: number; bgIouThr?: number } = {},
): ConfusionSummary {
  const ev = res.state;
  const p = res.params;
  if (!p.useCats) throw new Error("confusionSummary needs useCats = true");
  const iouThr = opts.iouThr ?? 0.5;
  const bgIouThr = opts.bgIouThr ?? 0.1;
  const t = p.iouThrs.indexOf(iouThr);
  if (t < 0) throw new RangeError(`iouThr ${iouThr} is not one of params.iouThrs (${p.iouThrs.join(", ")})`);
  const a = p.areaRngLbl.indexOf("all");
  if (a < 0) throw new RangeError('confusionSummary needs an area range labelled "all"');
  const A = ev.A;
  const maxDet = p.maxDets[p.maxDets.length - 1]!;

  // non-crowd gts per image position, for the overlap tests
  const G = ev.gt.ann;
  const imgPos = new Map(p.imgIds.map((id, i) => [id, i]));
  const catSet = new Set(p.catIds);
  const byImg = new Map<number, number[]>();
  for (let i = 0; i < G.n; i++) {
    if (G.iscrowd[i] === 1 || !catSet.has(G.categoryId[i]!)) continue;
    const ip = imgPos.get(G.imageId[i]!);
    if (ip === undefined) continue;
    const l = byImg.get(ip);
    if (l) l.push(i);
    else byImg.set(ip, [i]);
  }
  const names = new Map(
    ev.gt.categories.map((c) => [c.id, typeof c.name === "string" ? c.name : String(c.id)]),
  );
  const zero = (): ConfusionCounts => ({
    tp: 0,
    fp: 0,
    fn: 0,
    duplicate: 0,
    localisation: 0,
    wrongClass: 0,
    background: 0,
  });
  const total = zero();
  const pairs = new Map<string, { detected: number; actual: number; count: number }>();
  const perClass = ev.unitCatIds.map((catId, k) => {
    const row = zero();
    for (let s = ev.slotStart[k]!; s < ev.slotStart[k + 1]!; s++) {
      if (ev.slotRank[s]! >= maxDet) continue;
      const c = codeAt(ev, s, a, t);
      if (c === CODE_TP) {
        row.tp++;
        continue;
      }
      if (c !== CODE_FP) continue;
      row.fp++;
      const d = ev.slotDet[s]!;
      const dt = ev.dt;
      let bestSame = 0;
      let bestOther = 0;
      let otherCat = NaN;
      for (const g of byImg.get(ev.slotImg[s]!) ?? []) {
        const v = cocoIou(dt.x[d]!, dt.y[d]!, dt.w[d]!, dt.h[d]!, G.x[g]!, G.y[g]!, G.w[g]!, G.h[g]!, false);
        if (G.categoryId[g] === catId) bestSame = Math.max(bestSame, v);
        else if (v > bestOther) {
          bestOther = v;
          otherCat = G.categoryId[g]!;
        }
      }
      if (bestSame >= iouThr) row.duplicate++;
      else if (bestSame >= bgIouThr) row.localisation++;
      else if (bestOther >= bgIouThr) {
        row.wrongClass++;
        const key = `${catId}:${otherCat}`;
        const e = pairs.get(key);
        if (e) e.count++;
        else pairs.set(key, { detected: catId, actual: otherCat, count: 1 });
      } else row.background++;
    }
    row.fn = ev.npig[k * A + a]! - row.tp;
    for (const key of Object.keys(row) as (keyof ConfusionCounts)[]) total[key] += row[key];
    return { catId, name: names.get(catId) ?? String(catId), ...row };
  });
  const classConfusions = [...pairs.values()].sort(
    (x, y) => y.count - x.count || x.detected - y.detected || x.actual - y.actual,
  );
  return { iouThr, bgIouThr, total, perClass, classConfusions };
}
