import { vocIou } from "./iou";
import type { GroundTruth, Results } from "./load";
import { npMean, npSum, type NumpySum } from "./numpy-float";
import { stableSortDesc } from "./sort";

/**
 * PASCAL VOC AP, following Detectron's `voc_eval.py` (the Python port of the VOC devkit used by py-faster-rcnn
 * and mmdetection's VOC mode), with the devkit / other-tool differences as options.
 */
export interface VocOptions {
  /** IoU threshold (default 0.5). */
  iouThr?: number;
  /** +1 pixel convention in widths and areas (default true, as in the devkit and Detectron). */
  plus1?: boolean;
  /** Overlap test: ">" (Detectron, py-faster-rcnn; default) or ">=" (MATLAB devkit, Cartucho/mAP, rafaelpadilla). */
  thrCmp?: ">" | ">=";
  /** Precision denominator max(tp + fp, 2^-52) (Detectron; default true). Without it 0/0 gives NaN. */
  precEps?: boolean;
  /** Summation of the all-point AP and of the mean AP (numpy pairwise; see NumpySum). */
  numpySum?: NumpySum;
}

/** A VOC ground-truth box. */
export interface VocGt {
  /** Image key (any number or string). */
  readonly image: number | string;
  /** [x1, y1, x2, y2]. */
  readonly box: ArrayLike<number>;
  /** Difficult gts are not counted in npos; a detection whose best match is difficult is neither TP nor FP. */
  readonly difficult?: boolean;
}

/** A VOC detection. */
export interface VocDet {
  readonly image: number | string;
  readonly box: ArrayLike<number>;
  readonly score: number;
}

/** AP of one class, with its raw curve. */
export interface VocClassResult {
  /** Non-difficult gts. */
  readonly npos: number;
  /** Detections of the class. */
  readonly ndet: number;
  /** VOC2007 11-point AP; null when npos = 0. */
  readonly ap07: number | null;
  /** VOC2010+ all-point (area) AP; null when npos = 0. */
  readonly ap10: number | null;
  /** Per detection in score order (stable): recall and precision (not interpolated), and the score. */
  readonly recall: Float64Array;
  readonly precision: Float64Array;
  readonly scores: Float64Array;
  readonly tp: number;
  readonly fp: number;
}

/** VOC2007 11-point thresholds as np.arange(0., 1.1, 0.1) computes them: k * 0.1 (0.30000000000000004, ...). */
export const VOC07_RECALL_POINTS: readonly number[] = Object.freeze(
  Array.from({ length: 11 }, (_, k) => k * 0.1),
);

/** AP of one class. gts and dets may come in any image order; ties in score keep the dets' order (stable sort). */
export function vocClassAp(
  gts: readonly VocGt[],
  dets: readonly VocDet[],
  opts: VocOptions = {},
): VocClassResult {
  const iouThr = opts.iouThr ?? 0.5;
  const plus1 = opts.plus1 ?? true;
  const strict = (opts.thrCmp ?? ">") === ">";
  const precEps = opts.precEps ?? true;
  const numpySum = opts.numpySum ?? "numpy>=2.3";

  const byImage = new Map<number | string, number[]>();
  let npos = 0;
  gts.forEach((g, i) => {
    const l = byImage.get(g.image);
    if (l) l.push(i);
    else byImage.set(g.image, [i]);
    if (!g.difficult) npos++;
  });
  const detected = new Uint8Array(gts.length);
  const nd = dets.length;
  const conf = new Float64Array(nd);
  dets.forEach((d, i) => (conf[i] = d.score));
  const order = new Int32Array(nd);
  for (let i = 0; i < nd; i++) order[i] = i;
  stableSortDesc(order, nd, conf, new Int32Array(nd));

  const tpc = new Float64Array(nd);
  const fpc = new Float64Array(nd);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < nd; i++) {
    const d = dets[order[i]!]!;
    const cand = byImage.get(d.image);
    let ovmax = -Infinity;
    let jmax = -1;
    if (cand) {
      // np.max / np.argmax: the first maximum; a NaN overlap wins (numpy propagates NaN)
      for (const j of cand) {
        const ov = vocIou(d.box, gts[j]!.box, plus1);
        if (Number.isNaN(ov)) {
          if (!Number.isNaN(ovmax)) {
            ovmax = NaN;
            jmax = j;
          }
        } else if (!Number.isNaN(ovmax) && ov > ovmax) {
          ovmax = ov;
          jmax = j;
        }
      }
    }
    const hit = strict ? ovmax > iouThr : ovmax >= iouThr;
    if (hit) {
      if (!gts[jmax]!.difficult) {
        if (detected[jmax] === 0) {
          tp++;
          detected[jmax] = 1;
        } else fp++;
      }
    } else fp++;
    tpc[i] = tp;
    fpc[i] = fp;
  }
  const recall = new Float64Array(nd);
  const precision = new Float64Array(nd);
  const scores = new Float64Array(nd);
  for (let i = 0; i < nd; i++) {
    recall[i] = tpc[i]! / npos;
    const den = tpc[i]! + fpc[i]!;
    precision[i] = tpc[i]! / (precEps ? Math.max(den, 2.220446049250313e-16) : den);
    scores[i] = conf[order[i]!]!;
  }
  const ap07 = npos > 0 ? voc07Ap(recall, precision) : null;
  const ap10 = npos > 0 ? vocAllPointAp(recall, precision, numpySum) : null;
  return { npos, ndet: nd, ap07, ap10, recall, precision, scores, tp, fp };
}

/** VOC2007 11-point AP: sum over t = k * 0.1 of max(prec[rec >= t]) / 11, added sequentially. */
export function voc07Ap(rec: ArrayLike<number>, prec: ArrayLike<number>): number {
  let ap = 0;
  for (const t of VOC07_RECALL_POINTS) {
    // p = np.max(prec[rec >= t]) (NaN propagates), or 0 when no recall reaches t
    let p = 0;
    let any = false;
    for (let i = 0; i < rec.length; i++) {
      if (!(rec[i]! >= t)) continue;
      const v = prec[i]!;
      if (!any) p = v;
      else if (Number.isNaN(v) || v > p) p = Number.isNaN(p) ? p : v;
      any = true;
    }
    ap = ap + p / 11;
  }
  return ap;
}

/**
 * VOC2010+ all-point AP: mrec = [0, rec, 1], mpre = [0, prec, 0] made non-increasing from the right, then
 * sum of (mrec[i + 1] - mrec[i]) * mpre[i + 1] where mrec changes, with numpy's pairwise np.sum.
 */
export function vocAllPointAp(
  rec: ArrayLike<number>,
  prec: ArrayLike<number>,
  numpySum: NumpySum = "numpy>=2.3",
): number {
  const n = rec.length + 2;
  const mrec = new Float64Array(n);
  const mpre = new Float64Array(n);
  mrec[n - 1] = 1;
  for (let i = 0; i < rec.length; i++) {
    mrec[i + 1] = rec[i]!;
    mpre[i + 1] = prec[i]!;
  }
  for (let i = n - 1; i > 0; i--) mpre[i - 1] = npMaximum(mpre[i - 1]!, mpre[i]!);
  const terms = new Float64Array(n);
  let c = 0;
  for (let i = 0; i < n - 1; i++)
    if (mrec[i + 1] !== mrec[i]) terms[c++] = (mrec[i + 1]! - mrec[i]!) * mpre[i + 1]!;
  return npSum(terms, c, numpySum);
}

/** np.maximum: NaN propagates. */
function npMaximum(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}

/** Per-class APs and the means. */
export interface VocResult {
  /** Per class, in the given class order. */
  readonly perClass: ReadonlyArray<
    { readonly classId: number | string; readonly name: string } & VocClassResult
  >;
  /** Mean over classes with npos > 0 (numpy mean), or null if there is none. */
  readonly map07: number | null;
  readonly map10: number | null;
  readonly iouThr: number;
}

/** Per-class VOC AP and the means, for classes given with their gts and detections. */
export function vocEvaluate(
  classes: ReadonlyArray<{
    classId: number | string;
    name?: string;
    gts: readonly VocGt[];
    dets: readonly VocDet[];
  }>,
  opts: VocOptions = {},
): VocResult {
  const perClass = classes.map((c) => ({
    classId: c.classId,
    name: c.name ?? String(c.classId),
    ...vocClassAp(c.gts, c.dets, opts),
  }));
  const numpySum = opts.numpySum ?? "numpy>=2.3";
  const valid07 = perClass.filter((c) => c.ap07 !== null).map((c) => c.ap07!);
  const valid10 = perClass.filter((c) => c.ap10 !== null).map((c) => c.ap10!);
  return {
    perClass,
    map07: valid07.length ? npMean(valid07, valid07.length, numpySum) : null,
    map10: valid10.length ? npMean(valid10, valid10.length, numpySum) : null,
    iouThr: opts.iouThr ?? 0.5,
  };
}

/**
 * VOC AP on COCO data: classes are the ground-truth categories (sorted by id), boxes [x, y, x + w, y + h],
 * difficult := iscrowd, every detection counts (no maxDets cap). Detections of unknown categories are left out.
 */
export function vocFromCoco(gt: GroundTruth, dt: Results, opts: VocOptions = {}): VocResult {
  const cats = [...new Map(gt.categories.map((c) => [c.id, c])).values()].sort((a, b) => a.id - b.id);
  const gtsBy = new Map<number, VocGt[]>();
  const detsBy = new Map<number, VocDet[]>();
  for (const c of cats) {
    gtsBy.set(c.id, []);
    detsBy.set(c.id, []);
  }
  const A = gt.ann;
  for (let i = 0; i < A.n; i++) {
    const l = gtsBy.get(A.categoryId[i]!);
    if (!l) continue;
    const x = A.x[i]!;
    const y = A.y[i]!;
    l.push({ image: A.imageId[i]!, box: [x, y, x + A.w[i]!, y + A.h[i]!], difficult: A.iscrowd[i] === 1 });
  }
  for (let i = 0; i < dt.n; i++) {
    const l = detsBy.get(dt.categoryId[i]!);
    if (!l) continue;
    const x = dt.x[i]!;
    const y = dt.y[i]!;
    l.push({ image: dt.imageId[i]!, box: [x, y, x + dt.w[i]!, y + dt.h[i]!], score: dt.score[i]! });
  }
  return vocEvaluate(
    cats.map((c) => ({
      classId: c.id,
      name: c.name ?? String(c.id),
      gts: gtsBy.get(c.id)!,
      dets: detsBy.get(c.id)!,
    })),
    opts,
  );
}
