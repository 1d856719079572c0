import { resolveParams, type CocoParams, type ResolvedParams } from "./coco-params";
import { cocoIou } from "./iou";
import type { GroundTruth, Results } from "./load";
import { countingSortBy, stableSortDesc } from "./sort";

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

/** Entries (annotation or detection indices) grouped by (unit, image), stable inside a group. */
interface Groups {
  /** Flat entry list, sorted by (unit, image, then pooling / file order). */
  readonly items: Int32Array;
  /** Per group: its unit, image position and start in items; groupStart has one extra element. */
  readonly unit: Int32Array;
  readonly img: Int32Array;
  readonly start: Int32Array;
  readonly count: number;
}

/**
 * Buckets entries into (unit, image) groups, stable: inside a group, entries keep their list order, after the
 * pooling order of catIds when useCats is false (an entry is repeated if its category is repeated in catIds).
 */
function group(entries: Int32Array, imgPosOf: Int32Array, catOf: Float64Array, params: ResolvedParams, nImg: number): Groups {
  const { useCats, catIds } = params;
  const K = useCats ? catIds.length : 1;
  // positions of each category id in catIds (one position when useCats: catIds are unique then)
  const posOf = new Map<number, number[]>();
  catIds.forEach((c, p) => {
    const l = posOf.get(c);
    if (l) l.push(p);
    else posOf.set(c, [p]);
  });
  let n = 0;
  for (let j = 0; j < entries.length; j++) {
    const e = entries[j]!;
    if (imgPosOf[e]! < 0) continue;
    const ps = posOf.get(catOf[e]!);
    if (ps !== undefined) n += ps.length;
  }
  // (entry, primary, secondary): useCats -> (unit k, image); otherwise (image, position in catIds)
  const idxs = new Int32Array(n);
  const prim = new Int32Array(n);
  const sec = new Int32Array(n);
  let c = 0;
  for (let j = 0; j < entries.length; j++) {
    const e = entries[j]!;
    const im = imgPosOf[e]!;
    if (im < 0) continue;
    const ps = posOf.get(catOf[e]!);
    if (ps === undefined) continue;
    for (const p of ps) {
      idxs[c] = e;
      prim[c] = useCats ? p : im;
      sec[c] = useCats ? im : p;
      c++;
    }
  }
  let perm: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  // LSD radix: secondary key, then primary key (both passes stable)
  perm = countingSortBy(perm, sec, useCats ? nImg : Math.max(catIds.length, 1));
  perm = countingSortBy(perm, prim, useCats ? K : nImg);
  const items = new Int32Array(n);
  const unit = new Int32Array(n);
  const img = new Int32Array(n);
  const start = new Int32Array(n + 1);
  let count = 0;
  let prevU = -1;
  let prevI = -1;
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    items[i] = idxs[p]!;
    const u = useCats ? prim[p]! : 0;
    const im = useCats ? sec[p]! : prim[p]!;
    if (u !== prevU || im !== prevI) {
      unit[count] = u;
      img[count] = im;
      start[count] = i;
      count++;
      prevU = u;
      prevI = im;
    }
  }
  start[count] = n;
  return { items, unit, img, start, count };
}

/** Ground-truth list in pycocotools' order, with the duplicate-id substitution of `loadAnns(getAnnIds(...))`. */
function effectiveGts(gt: GroundTruth, params: ResolvedParams, annImgPos: Int32Array): Int32Array {
  const { n, id, categoryId } = gt.ann;
  const nImg = params.imgIds.length;
  // annotations of every evaluated image, images in imgIds order, file order inside an image
  const inImgs: number[] = [];
  for (let i = 0; i < n; i++) if (annImgPos[i]! >= 0) inImgs.push(i);
  const ordered = countingSortBy(Int32Array.from(inImgs), annImgPos, nImg);
  const catSet = params.useCats ? new Set(params.catIds) : null;
  const lastById = new Map<number, number>();
  for (let i = 0; i < n; i++) lastById.set(id[i]!, i);
  const hasDup = lastById.size < n;
  const out: number[] = [];
  for (let j = 0; j < ordered.length; j++) {
    const a = ordered[j]!;
    if (catSet && !catSet.has(categoryId[a]!)) continue;
    out.push(hasDup ? lastById.get(id[a]!)! : a);
  }
  return Int32Array.from(out);
}

/** Growable scratch buffers of the matching loop. */
class Scratch {
  dets = new Int32Array(256);
  detsTmp = new Int32Array(256);
  ious = new Float64Array(1024);
  gtOrd = new Int32Array(64);
  gtIg = new Uint8Array(64);
  gtCrowd = new Uint8Array(64);
  gtNz = new Uint8Array(64);
  gtm = new Uint8Array(64);
  dOut = new Uint8Array(256);
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

  // slots per unit
  const slotCount = new Int32Array(K);
  for (let g = 0; g < dGroups.count; g++) {
    slotCount[dGroups.unit[g]!]! += Math.min(dGroups.start[g + 1]! - dGroups.start[g]!, maxLast);
  }
  const slotStart = new Int32Array(K + 1);
  for (let k = 0; k < K; k++) slotStart[k + 1] = slotStart[k]! + slotCount[k]!;
  const totalSlots = slotStart[K]!;
  const slotDet = new Int32Array(totalSlots);
  const slotRank = new Int32Array(totalSlots);
  const slotImg = new Int32Array(totalSlots);
  const W = Math.ceil(T / 32);
  const tpMask = new Int32Array(totalSlots * A * W);
  const igMask = new Int32Array(totalSlots * A * W);
  const npig = new Int32Array(K * A);
  const hasE = new Uint8Array(K);
  const slotCursor = slotStart.slice(0, K);

  const thr = new Float64Array(T);
  for (let t = 0; t < T; t++) thr[t] = Math.min(iouThrs[t]!, 1 - 1e-10);
  const aLo = new Float64Array(A);
  const aHi = new Float64Array(A);
  for (let a = 0; a < A; a++) {
    aLo[a] = areaRng[a]![0];
    aHi[a] = areaRng[a]![1];
  }

  const S = new Scratch();
  // local copies: imported bindings are live getters under some loaders (tsx), too slow in the hot loop
  const iouOf = cocoIou;
  const sortDesc = stableSortDesc;
  const { x: gx, y: gy, w: gw, h: gh, area: gArea, iscrowd: gCrowd, id: gId } = G;
  const { x: dx, y: dy, w: dw, h: dh, area: dArea, score: dScore } = dt;

  // merge the two group lists (both sorted by unit, then image)
  let gi = 0;
  let di = 0;
  while (gi < gGroups.count || di < dGroups.count) {
    let u: number;
    let im: number;
    const gKey = gi < gGroups.count ? gGroups.unit[gi]! * nImg + gGroups.img[gi]! : Infinity;
    const dKey = di < dGroups.count ? dGroups.unit[di]! * nImg + dGroups.img[di]! : Infinity;
    let g0 = 0;
    let nG = 0;
    let d0 = 0;
    let nDall = 0;
    if (gKey <= dKey) {
      u = gGroups.unit[gi]!;
      im = gGroups.img[gi]!;
      g0 = gGroups.start[gi]!;
      nG = gGroups.start[gi + 1]! - g0;
      gi++;
    } else {
      u = dGroups.unit[di]!;
      im = dGroups.img[di]!;
    }
    if (dKey === Math.min(gKey, dKey)) {
      d0 = dGroups.start[di]!;
      nDall = dGroups.start[di + 1]! - d0;
      di++;
    }
    hasE[u] = 1;

    // detections: stable sort by descending score, keep the first maxDets[-1]
    S.fitDets(nDall);
    const dets = S.dets;
    for (let j = 0; j < nDall; j++) dets[j] = dGroups.items[d0 + j]!;
    sortDesc(dets, nDall, dScore, S.detsTmp);
    const nD = Math.min(nDall, maxLast);
    const slot0 = slotCursor[u]!;
    for (let j = 0; j < nD; j++) {
      const s = slotCursor[u]! + j;
      slotDet[s] = dets[j]!;
      slotRank[s] = j;
      slotImg[s] = im;
    }
    slotCursor[u]! += nD;

    // gts of the group and the IoU matrix (dets x gts, gts in group order)
    S.fitGts(nG);
    const gItems = gGroups.items;
    if (nG > 0 && nD > 0) {
      S.fitIous(nD * nG);
      const ious = S.ious;
      for (let j = 0; j < nG; j++) {
        const e = gItems[g0 + j]!;
        S.gtCrowd[j] = gCrowd[e]!;
        S.gtNz[j] = gId[e] !== 0 ? 1 : 0;
      }
      for (let d = 0; d < nD; d++) {
        const q = dets[d]!;
        const qx = dx[q]!;
        const qy = dy[q]!;
        const qw = dw[q]!;
        const qh = dh[q]!;
        const row = d * nG;
        for (let j = 0; j < nG; j++) {
          const e = gItems[g0 + j]!;
          ious[row + j] = iouOf(qx, qy, qw, qh, gx[e]!, gy[e]!, gw[e]!, gh[e]!, S.gtCrowd[j] === 1);
        }
      }
    }

    for (let a = 0; a < A; a++) {
      const lo = aLo[a]!;
      const hi = aHi[a]!;
      // gt ignore flags; regular gts first, each part in group order (stable argsort of _ignore)
      let nReg = 0;
      for (let j = 0; j < nG; j++) {
        const e = gItems[g0 + j]!;
        const ar = gArea[e]!;
        const ig = gCrowd[e] === 1 || ar < lo || ar > hi ? 1 : 0;
        S.gtIg[j] = ig;
        if (ig === 0) S.gtOrd[nReg++] = j;
      }
      let o = nReg;
      for (let j = 0; j < nG; j++) if (S.gtIg[j] === 1) S.gtOrd[o++] = j;
      npig[u * A + a]! += nReg;
      if (nD === 0) continue;
      const mBase = slot0 * A * W + a * W; // + d * A * W + (t >> 5)
      const mStep = A * W;
      for (let d = 0; d < nD; d++) {
        const ar = dArea[dets[d]!]!;
        S.dOut[d] = ar < lo || ar > hi ? 1 : 0;
      }
      if (nG === 0) {
        // no gt: every detection is unmatched at every threshold; ignored iff its area is out of range
        for (let d = 0; d < nD; d++) {
          if (S.dOut[d] === 0) continue;
          for (let w = 0; w < W; w++) igMask[mBase + d * mStep + w] = w < W - 1 || T % 32 === 0 ? -1 : (1 << T % 32) - 1;
        }
        continue;
      }
      const gtm = S.gtm;
      const ious = S.ious;
      const ord = S.gtOrd;
      const gIg = S.gtIg;
      const gCr = S.gtCrowd;
      const gNz = S.gtNz;
      const dOut = S.dOut;
      for (let t = 0; t < T; t++) {
        gtm.fill(0, 0, nG);
        const th = thr[t]!;
        const bit = 1 << (t & 31);
        const wOff = mBase + (t >> 5);
        for (let d = 0; d < nD; d++) {
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
            // dtIg = gtIg[m]; then dets with dtm == 0 (unmatched, or matched to gt id 0) out of the range are ignored
            if (gIg[m] === 1 || (gNz[m] === 0 && dOut[d] === 1)) igMask[at]! |= bit;
            else if (gNz[m] === 1) tpMask[at]! |= bit;
          }
        }
      }
    }
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
    slotRank,
    slotImg,
    W,
    tpMask,
    igMask,
    npig,
    hasE,
  };
}
