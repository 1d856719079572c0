import { resolveParams, type CocoParams, type ResolvedParams } from "./coco-params";
import type { GroundTruth, Results } from "./load";
import { effectiveGts, group } from "./group";
import { cocoIou } from "./iou";
import { stableSortDesc } from "./sort";

/** Per (detection slot, area range, IoU threshold) outcome of the matching. */
export const CODE_FP = 0;
export const CODE_TP = 1;
/** Ignored: matched to a crowd / out-of-range gt, or unmatched with its own area out of range. Keeps its rank. */
export const CODE_IGNORED = 2;

/** The outcome (CODE_*) of slot s for area range a at IoU threshold t. */
export function codeAt(ev: EvalState, s: number, a: number, t: number): number {
  const w = (s * ev.A + a) * ev.W + (t >> 5);
  const bit = 1 << (t & 31);
  return (ev.tpMask[w]! & bit) !== 0 ? CODE_TP : (ev.igMask[w]! & bit) !== 0 ? CODE_IGNORED : CODE_FP;
}

/**
 * The result of pycocotools' `evaluate()` in compact form. A "unit" is one entry of the K axis: a category
 * (useCats) or all categories pooled (useCats = false, K = 1).
 *
 * Slots: for every unit, the detections that take part (per image, the first maxDets[-1] by score, stable), laid
 * out image by image in ascending image-id order, each image's in score order. Unit k owns slots
 * [slotStart[k], slotStart[k + 1]).
 */
export interface EvalState {
  readonly params: ResolvedParams;
  readonly gt: GroundTruth;
  readonly dt: Results;
  /** Size of the K axis and the category id of each entry (-1 when useCats is false). */
  readonly K: number;
  readonly unitCatIds: readonly number[];
  readonly A: number;
  readonly T: number;
  readonly nImg: number;
  readonly slotStart: Int32Array;
  /** Index into `dt` of each slot. */
  readonly slotDet: Int32Array;
  /** Score of each slot's detection (dt.score[slotDet[s]], stored for sequential access). */
  readonly slotScore: Float64Array;
  /** Rank of the slot's detection inside its (image, unit) after the stable score sort (0 = highest). */
  readonly slotRank: Int32Array;
  /** Image position (index into params.imgIds) of each slot. */
  readonly slotImg: Int32Array;
  /** Number of 32-bit mask words per (slot, area): ceil(T / 32). */
  readonly W: number;
  /**
   * Outcome bit masks per (slot, area): bit t % 32 of word (slot * A + a) * W + (t >> 5) is set in `tpMask` when
   * the detection is a TP at threshold t, in `igMask` when it is ignored; neither means FP. See `codeAt`.
   */
  readonly tpMask: Int32Array;
  readonly igMask: Int32Array;
  /** Number of non-ignored gts per (unit, area): npig[k * A + a]. */
  readonly npig: Int32Array;
  /** 1 when some image has a gt or a detection for the unit (pycocotools' E is not empty). */
  readonly hasE: Uint8Array;
}

/** Per-group working memory of the matching, grown on demand. */
class Scratch {
  dets = new Int32Array(256);
  detsTmp = new Int32Array(256);
  dOut = new Uint8Array(256);
  ious = new Float64Array(1024);
  gtOrd = new Int32Array(64);
  gtIg = new Uint8Array(64);
  gtCrowd = new Uint8Array(64);
  gtNz = new Uint8Array(64);
  gtm = new Uint8Array(64);
  fitDets(n: number): void {
    if (this.dets.length < n) {
      const c = Math.max(n, this.dets.length * 2);
      this.dets = new Int32Array(c);
      this.detsTmp = new Int32Array(c);
      this.dOut = new Uint8Array(c);
    }
  }
  fitGts(n: number): void {
    if (this.gtOrd.length < n) {
      const c = Math.max(n, this.gtOrd.length * 2);
      this.gtOrd = new Int32Array(c);
      this.gtIg = new Uint8Array(c);
      this.gtCrowd = new Uint8Array(c);
      this.gtNz = new Uint8Array(c);
      this.gtm = new Uint8Array(c);
    }
  }
  fitIous(n: number): void {
    if (this.ious.length < n) this.ious = new Float64Array(Math.max(n, this.ious.length * 2));
  }
}

// Module-level alias: under some loaders (tsx) an imported binding is a getter, too slow in the inner loop.
const iouOf = cocoIou;

/** Everything the per-group matching reads and writes. */
interface MatchContext {
  readonly gt: GroundTruth["ann"];
  readonly dt: Results;
  /** min(iouThrs[t], 1 - 1e-10), the starting "best" of the match search. */
  readonly thr: Float64Array;
  readonly aLo: Float64Array;
  readonly aHi: Float64Array;
  readonly A: number;
  readonly T: number;
  readonly W: number;
  readonly tpMask: Int32Array;
  readonly igMask: Int32Array;
  readonly npig: Int32Array;
  readonly S: Scratch;
}

/**
 * pycocotools' `evaluateImg` for one (unit, image) and every area range: `dets` (nD, already score-sorted and
 * capped) against the gts gItems[g0, g0 + nG) in group order. Writes the TP / ignore bits of the nD slots
 * starting at slot0 and adds the non-ignored gts to npig.
 */
function matchGroup(c: MatchContext, u: number, slot0: number, dets: Int32Array, nD: number, gItems: Int32Array, g0: number, nG: number): void {
  const { A, T, W, tpMask, igMask, thr, S } = c;
  const { x: gx, y: gy, w: gw, h: gh, area: gArea, iscrowd: gCrowd, id: gId } = c.gt;
  const { x: dx, y: dy, w: dw, h: dh, area: dArea } = c.dt;
  S.fitGts(nG);
  if (nG > 0 && nD > 0) S.fitIous(nD * nG);
  const ious = S.ious;
  const gCr = S.gtCrowd;
  const gNz = S.gtNz;
  const gIg = S.gtIg;
  const ord = S.gtOrd;
  const gtm = S.gtm;
  const dOut = S.dOut;
  if (nG > 0 && nD > 0) {
    for (let j = 0; j < nG; j++) {
      const e = gItems[g0 + j]!;
      gCr[j] = gCrowd[e]!;
      gNz[j] = gId[e] !== 0 ? 1 : 0;
    }
    // IoU matrix (dets x gts, gts in group order), as maskApi.c bbIou
    for (let d = 0; d < nD; d++) {
      const q = dets[d]!;
      const qx = dx[q]!;
      const qy = dy[q]!;
      const qw = dw[q]!;
      const qh = dh[q]!;
      const row = d * nG;
      for (let j = 0; j < nG; j++) {
        const e = gItems[g0 + j]!;
        const v = iouOf(qx, qy, qw, qh, gx[e]!, gy[e]!, gw[e]!, gh[e]!, gCr[j] === 1);
        ious[row + j] = v;
      }
    }
  }
  const FULL_LAST = T % 32 === 0 ? -1 : (1 << T % 32) - 1;
  const mStep = A * W;
  for (let a = 0; a < A; a++) {
    const lo = c.aLo[a]!;
    const hi = c.aHi[a]!;
    // gt ignore flags (iscrowd, or `area` out of [lo, hi]); regular gts first, each part in group order
    let nReg = 0;
    for (let j = 0; j < nG; j++) {
      const e = gItems[g0 + j]!;
      const ar = gArea[e]!;
      const ig = gCrowd[e] === 1 || ar < lo || ar > hi ? 1 : 0;
      gIg[j] = ig;
      if (ig === 0) ord[nReg++] = j;
    }
    let o = nReg;
    for (let j = 0; j < nG; j++) if (gIg[j] === 1) ord[o++] = j;
    c.npig[u * A + a]! += nReg;
    if (nD === 0) continue;
    const mBase = slot0 * mStep + a * W; // word of (slot0 + d, a, t): mBase + d * mStep + (t >> 5)
    for (let d = 0; d < nD; d++) {
      const ar = dArea[dets[d]!]!;
      dOut[d] = ar < lo || ar > hi ? 1 : 0;
    }
    if (nG === 0) {
      // nothing to match: a detection is ignored at every threshold iff its own area is out of range
      for (let d = 0; d < nD; d++) {
        if (dOut[d] === 0) continue;
        for (let w = 0; w < W; w++) igMask[mBase + d * mStep + w] = w < W - 1 ? -1 : FULL_LAST;
      }
      continue;
    }
    for (let t = 0; t < T; t++) {
      gtm.fill(0, 0, nG);
      const th = thr[t]!;
      const bit = 1 << (t & 31);
      const wOff = mBase + (t >> 5);
      for (let d = 0; d < nD; d++) {
        // greedy: best = min(t, 1 - 1e-10); IoU >= best matches; ties go to the later gt; crowds can be reused;
        // once a regular gt is held, stop at the first ignored gt
        let best = th;
        let m = -1;
        const row = d * nG;
        for (let jj = 0; jj < nG; jj++) {
          const j = ord[jj]!;
          if (gtm[j] === 1 && gCr[j] === 0) continue;
          if (m > -1 && gIg[m] === 0 && gIg[j] === 1) break;
          const v = ious[row + j]!;
          if (v < best) continue;
          best = v;
          m = j;
        }
        const at = wOff + d * mStep;
        if (m === -1) {
          if (dOut[d] === 1) igMask[at]! |= bit;
        } else {
          gtm[m] = 1;
          // dtIg = gtIg[m]; dets with dtm == 0 (unmatched, or matched to gt id 0) out of the range are ignored too.
          // A match to gt id 0 is not a TP: pycocotools stores the gt id, and 0 means "no match".
          if (gIg[m] === 1 || (gNz[m] === 0 && dOut[d] === 1)) igMask[at]! |= bit;
          else if (gNz[m] === 1) tpMask[at]! |= bit;
        }
      }
    }
  }
}

/**
 * pycocotools `COCOeval.evaluate()` for iouType "bbox": per (unit, image), the stable score sort and the
 * maxDets[-1] cap, the IoUs, and per area range the greedy matching at every IoU threshold.
 */
export function evaluate(gt: GroundTruth, dt: Results, p: CocoParams = {}): EvalState {
  const params = resolveParams(gt, p); // idempotent on ResolvedParams
  const { imgIds, iouThrs, areaRng, maxDets, useCats } = params;
  const nImg = imgIds.length;
  const K = useCats ? params.catIds.length : 1;
  const A = areaRng.length;
  const T = iouThrs.length;
  const W = Math.ceil(T / 32);
  const maxLast = maxDets[maxDets.length - 1]!;

  const imgPosById = new Map<number, number>();
  imgIds.forEach((id, i) => imgPosById.set(id, i));
  const G = gt.ann;
  const annImgPos = new Int32Array(G.n);
  for (let i = 0; i < G.n; i++) annImgPos[i] = imgPosById.get(G.imageId[i]!) ?? -1;
  const detImgPos = new Int32Array(dt.n);
  for (let i = 0; i < dt.n; i++) detImgPos[i] = imgPosById.get(dt.imageId[i]!) ?? -1;

  const gGroups = group(effectiveGts(gt, params, annImgPos), annImgPos, G.categoryId, params, nImg);
  const allDets = new Int32Array(dt.n);
  for (let i = 0; i < dt.n; i++) allDets[i] = i;
  const dGroups = group(allDets, detImgPos, dt.categoryId, params, nImg);

  // slots: per unit, the capped detections of its images, image by image
  const slotStart = new Int32Array(K + 1);
  for (let g = 0; g < dGroups.count; g++) {
    slotStart[dGroups.unit[g]! + 1]! += Math.min(dGroups.start[g + 1]! - dGroups.start[g]!, maxLast);
  }
  for (let k = 0; k < K; k++) slotStart[k + 1]! += slotStart[k]!;
  const totalSlots = slotStart[K]!;
  const slotDet = new Int32Array(totalSlots);
  const slotScore = new Float64Array(totalSlots);
  const slotRank = new Int32Array(totalSlots);
  const slotImg = new Int32Array(totalSlots);
  const hasE = new Uint8Array(K);
  const ctx: MatchContext = {
    gt: G,
    dt,
    thr: Float64Array.from(iouThrs, (t) => Math.min(t, 1 - 1e-10)),
    aLo: Float64Array.from(areaRng, (r) => r[0]),
    aHi: Float64Array.from(areaRng, (r) => r[1]),
    A,
    T,
    W,
    tpMask: new Int32Array(totalSlots * A * W),
    igMask: new Int32Array(totalSlots * A * W),
    npig: new Int32Array(K * A),
    S: new Scratch(),
  };
  const S = ctx.S;
  const dScore = dt.score;
  const sortDesc = stableSortDesc; // a local binding: imported ones can be slow getters under some loaders
  const match = matchGroup;
  const slotCursor = slotStart.slice(0, K);

  // walk the (image, unit) groups of gts and of dets together; both lists are sorted by (image, unit), so every
  // unit sees its images in ascending order and its slots come out image by image
  let gi = 0;
  let di = 0;
  while (gi < gGroups.count || di < dGroups.count) {
    const gKey = gi < gGroups.count ? gGroups.img[gi]! * K + gGroups.unit[gi]! : Infinity;
    const dKey = di < dGroups.count ? dGroups.img[di]! * K + dGroups.unit[di]! : Infinity;
    const key = Math.min(gKey, dKey);
    let u: number;
    let im: number;
    let g0 = 0;
    let nG = 0;
    let nDall = 0;
    let d0 = 0;
    if (gKey === key) {
      u = gGroups.unit[gi]!;
      im = gGroups.img[gi]!;
      g0 = gGroups.start[gi]!;
      nG = gGroups.start[gi + 1]! - g0;
      gi++;
    } else {
      u = dGroups.unit[di]!;
      im = dGroups.img[di]!;
    }
    if (dKey === key) {
      d0 = dGroups.start[di]!;
      nDall = dGroups.start[di + 1]! - d0;
      di++;
    }
    hasE[u] = 1;
    // detections: stable sort by descending score, keep the first maxDets[-1]
    S.fitDets(nDall);
    const dets = S.dets;
    for (let j = 0; j < nDall; j++) dets[j] = dGroups.items[d0 + j]!;
    if (nDall > 1) sortDesc(dets, nDall, dScore, S.detsTmp);
    const nD = Math.min(nDall, maxLast);
    const slot0 = slotCursor[u]!;
    for (let j = 0; j < nD; j++) {
      slotDet[slot0 + j] = dets[j]!;
      slotScore[slot0 + j] = dScore[dets[j]!]!;
      slotRank[slot0 + j] = j;
      slotImg[slot0 + j] = im;
    }
    slotCursor[u] = slot0 + nD;
    match(ctx, u, slot0, dets, nD, gGroups.items, g0, nG);
  }

  return {
    params,
    gt,
    dt,
    K,
    unitCatIds: useCats ? params.catIds : [-1],
    A,
    T,
    nImg,
    slotStart,
    slotDet,
    slotScore,
    slotRank,
    slotImg,
    W,
    tpMask: ctx.tpMask,
    igMask: ctx.igMask,
    npig: ctx.npig,
    hasE,
  };
}
