import { resolveParams, type CocoParams, type ResolvedParams } from "./coco-params";
import type { GroundTruth, Results } from "./load";
import { effectiveGts, group } from "./group";
import { indexOfIds } from "./id-index";
import { Scratch, matchGroup, type MatchContext } from "./match";
import { stableSortDesc } from "./sort";

/** Outcome of a detection slot for one (area range, IoU threshold): a false positive. */
export const CODE_FP = 0;
/** A true positive: matched to a regular gt with a non-zero id. */
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

  const G = gt.ann;
  const annImgPos = indexOfIds(G.imageId, imgIds);
  const detImgPos = indexOfIds(dt.imageId, imgIds);

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
