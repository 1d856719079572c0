import type { EvalState } from "./evaluate";
import { NP_SPACING_1 } from "./numpy-float";
import { stableSortDesc } from "./sort";

/** pycocotools' `self.eval`: precision [T][R][K][A][M], recall [T][K][A][M], scores [T][R][K][A][M], C order. */
export interface Accumulated {
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly scores: Float64Array;
  readonly precisionShape: readonly [number, number, number, number, number];
  readonly recallShape: readonly [number, number, number, number];
}

/** Flat index of precision/scores[t][r][k][a][m]. */
export function precisionIndex(
  shape: Accumulated["precisionShape"],
  t: number,
  r: number,
  k: number,
  a: number,
  m: number,
): number {
  const [, R, K, A, M] = shape;
  return (((t * R + r) * K + k) * A + a) * M + m;
}

/** Flat index of recall[t][k][a][m]. */
export function recallIndex(
  shape: Accumulated["recallShape"],
  t: number,
  k: number,
  a: number,
  m: number,
): number {
  const [, K, A, M] = shape;
  return ((t * K + k) * A + a) * M + m;
}

/**
 * The slots of unit k in accumulate()'s order: slots are laid out by ascending image id, then by rank inside
 * the image, which is pycocotools' concatenation order, so a stable sort by descending score reproduces
 * `np.argsort(-dtScores, kind="mergesort")`. Returns global slot numbers.
 */
export function unitOrder(ev: EvalState, k: number): Int32Array {
  const s0 = ev.slotStart[k]!;
  const n = ev.slotStart[k + 1]! - s0;
  const scores = ev.slotScore.subarray(s0, s0 + n);
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  stableSortDesc(order, n, scores, new Int32Array(n));
  for (let i = 0; i < n; i++) order[i]! += s0;
  return order;
}

/**
 * pycocotools `COCOeval.accumulate()`. For each (k, a, m, t), in score order: cumulative TP/FP (ignored dets keep
 * their rank), rc = tp / npig, pr = tp / ((fp + tp) + 2^-52), the right-to-left max envelope of pr, and for each
 * recall threshold r the envelope at the first index with rc >= r (searchsorted 'left'); 0 from the first
 * threshold that is never reached. Entries with no data (no gt/dt for the category, or npig = 0) stay -1.
 *
 * Computed exactly but without materialising pr for every detection: rc only increases at TPs, so the searched
 * index is always a TP (or index 0), and the envelope at the c-th TP is the max of pr over the TPs from c on
 * (between TPs pr only decreases). The per-TP values are the very doubles numpy computes. Thresholds are handled
 * 32 at a time as bit masks, so a detection that is an FP (or ignored) at every threshold costs one step.
 */
export function accumulate(ev: EvalState): Accumulated {
  const { K, A, T, params } = ev;
  const { recThrs, maxDets } = params;
  const R = recThrs.length;
  const M = maxDets.length;
  const maxLast = maxDets[maxDets.length - 1]!;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const scoresOut = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const { tpMask, igMask, W } = ev;
  const w: Work = {
    recThr: Float64Array.from(recThrs),
    stride: K * A * M, // distance between consecutive r in precision
    precision,
    scoresOut,
    ntp: new Int32Array(32),
    igT: new Int32Array(32),
    tpDen: new Float64Array(0),
    tpScore: new Float64Array(0),
    envBuf: new Float64Array(0),
    recStride: 0,
  };

  for (let k = 0; k < K; k++) {
    if (ev.hasE[k] === 0) continue;
    const order = unitOrder(ev, k);
    const n = order.length;
    const sScore = new Float64Array(n);
    const sRank = new Int32Array(n);
    gatherSlots(order, ev.slotScore, ev.slotRank, sScore, sRank);
    // positions kept for each maxDets entry
    const kept = maxDets.map((mDet) => keptPositions(sRank, mDet >= maxLast ? Infinity : mDet));
    // TP / ignore mask words in score order, [(a * W + w) * n + i]: one pass over the unit's slots
    const AW = A * W;
    const tmAll = new Int32Array(AW * n);
    const imAll = new Int32Array(AW * n);
    transposeMasks(order, AW, tpMask, igMask, tmAll, imAll);
    for (let a = 0; a < A; a++) {
      const npig = ev.npig[k * A + a]!;
      if (npig === 0) continue;
      const recStride = npig + 1;
      if (32 * recStride > w.tpDen.length) {
        w.tpDen = new Float64Array(32 * recStride);
        w.tpScore = new Float64Array(32 * recStride);
      }
      if (w.envBuf.length < recStride) w.envBuf = new Float64Array(recStride);
      w.recStride = recStride;
      for (let wd = 0; wd < W; wd++) {
        const t0 = wd * 32;
        const Tc = Math.min(32, T - t0);
        const full = Tc === 32 ? -1 : (1 << Tc) - 1;
        const tm = tmAll.subarray((a * W + wd) * n, (a * W + wd + 1) * n);
        const im = imAll.subarray((a * W + wd) * n, (a * W + wd + 1) * n);
        for (let mi = 0; mi < M; mi++) {
          const pos = kept[mi]!;
          const nd = pos.length;
          tpRecords(w, tm, im, pos, full, sScore);
          const firstScore = nd > 0 ? sScore[pos[0]!]! : 0;
          for (let tt = 0; tt < Tc; tt++) {
            const t = t0 + tt;
            recall[((t * K + k) * A + a) * M + mi] = nd > 0 ? w.ntp[tt]! / npig : 0;
            const pbase = (t * R * K + k) * A * M + a * M + mi;
            precisionRow(w, tt, npig, nd, firstScore, pbase);
          }
        }
      }
    }
  }
  return { precision, recall, scores: scoresOut, precisionShape: [T, R, K, A, M], recallShape: [T, K, A, M] };
}

/** accumulate()'s working memory. Hot loops live in small functions, which V8 optimises early. */
interface Work {
  readonly recThr: Float64Array;
  readonly stride: number;
  readonly precision: Float64Array;
  readonly scoresOut: Float64Array;
  /** Per threshold of the current mask word: number of TPs. */
  readonly ntp: Int32Array;
  /** Per threshold: ignored detections so far. */
  readonly igT: Int32Array;
  /** Per-threshold TP records: den (fp + tp at the TP) and score, [tt * recStride + c], c = 1..ntp[tt]. */
  tpDen: Float64Array;
  tpScore: Float64Array;
  /** Envelope of the precision at the c-th TP. */
  envBuf: Float64Array;
  recStride: number;
}

/** sScore[i] / sRank[i] = score / rank of slot order[i]. */
function gatherSlots(
  order: Int32Array,
  slotScore: Float64Array,
  slotRank: Int32Array,
  sScore: Float64Array,
  sRank: Int32Array,
): void {
  for (let i = 0; i < order.length; i++) {
    const s = order[i]!;
    sScore[i] = slotScore[s]!;
    sRank[i] = slotRank[s]!;
  }
}

/** Positions i (ascending) with sRank[i] < mDet. */
function keptPositions(sRank: Int32Array, mDet: number): Int32Array {
  const n = sRank.length;
  const out = new Int32Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) if (sRank[i]! < mDet) out[c++] = i;
  return c === n ? out : out.slice(0, c);
}

/** tmAll[b * n + i] = tpMask[order[i] * AW + b], likewise imAll from igMask. */
function transposeMasks(
  order: Int32Array,
  AW: number,
  tpMask: Int32Array,
  igMask: Int32Array,
  tmAll: Int32Array,
  imAll: Int32Array,
): void {
  const n = order.length;
  for (let i = 0; i < n; i++) {
    const base = order[i]! * AW;
    for (let b = 0; b < AW; b++) {
      tmAll[b * n + i] = tpMask[base + b]!;
      imAll[b * n + i] = igMask[base + b]!;
    }
  }
}

/**
 * The TP records of one (unit, area, mask word, maxDets) in score order: for every threshold bit, the number of
 * TPs (w.ntp), and per TP its fp + tp count and score (w.tpDen / w.tpScore). Ignored detections keep no rank.
 */
function tpRecords(
  w: Work,
  tm: Int32Array,
  im: Int32Array,
  pos: Int32Array,
  full: number,
  sScore: Float64Array,
): void {
  const { ntp, igT, tpDen, tpScore, recStride } = w;
  const nd = pos.length;
  ntp.fill(0);
  igT.fill(0);
  let igAll = 0;
  for (let q = 0; q < nd; q++) {
    const i = pos[q]!;
    const tmask = tm[i]!;
    const imask = im[i]!;
    if (tmask === 0) {
      if (imask === 0) continue; // FP at every threshold
      if (imask === full) {
        igAll++;
        continue;
      }
    }
    // only the thresholds where the detection is ignored or a TP (set bits, lowest first)
    let ib = imask;
    while (ib !== 0) {
      igT[31 - Math.clz32(ib & -ib)]!++;
      ib &= ib - 1;
    }
    let tb = tmask & ~imask;
    while (tb !== 0) {
      const tt = 31 - Math.clz32(tb & -tb);
      const c = ++ntp[tt]!;
      tpDen[tt * recStride + c] = q + 1 - igAll - igT[tt]!; // fp + tp up to this detection
      tpScore[tt * recStride + c] = sScore[i]!;
      tb &= tb - 1;
    }
  }
}

/**
 * precision / scores[t][:][k][a][m] (first element at pbase, then every w.stride) from the TP records of
 * threshold bit tt: the envelope, then per recall threshold the first index with rc >= r.
 */
function precisionRow(
  w: Work,
  tt: number,
  npig: number,
  nd: number,
  firstScore: number,
  pbase: number,
): void {
  const { recThr, stride, precision, scoresOut, envBuf, tpDen, tpScore } = w;
  const EPS = NP_SPACING_1; // a local: imported bindings can be live getters (e.g. under tsx)
  const nt = w.ntp[tt]!;
  const rb = tt * w.recStride;
  // envelope at the TPs: env[c] = max(pr_c, env[c + 1]) with pr_c = c / ((fp + tp) + eps)
  let run = -Infinity;
  for (let c = nt; c >= 1; c--) {
    const p = c / (tpDen[rb + c]! + EPS);
    if (p > run) run = p;
    envBuf[c] = run;
  }
  const env0 = nt > 0 ? envBuf[1]! : 0; // pr[0] is 0, or the first TP's pr when index 0 is a TP
  const R = recThr.length;
  for (let j = 0; j < R; j++) {
    const at = pbase + j * stride;
    // smallest c in [0, nt + 1] with c / npig >= r (c = 0 stands for index 0): c / npig is nondecreasing in c,
    // so start near r * npig and step to the exact boundary of that predicate
    const r = recThr[j]!;
    let lo = Math.min(Math.max(Math.ceil(r * npig), 0), nt + 1);
    while (lo > 0 && (lo - 1) / npig >= r) lo--;
    while (lo <= nt && lo / npig < r) lo++;
    if (lo > nt || nd === 0) {
      // pycocotools stops at the first index past the end: this and every later threshold stay 0
      for (let jj = j; jj < R; jj++) {
        precision[pbase + jj * stride] = 0;
        scoresOut[pbase + jj * stride] = 0;
      }
      return;
    }
    precision[at] = lo === 0 ? env0 : envBuf[lo]!;
    scoresOut[at] = lo === 0 ? firstScore : tpScore[rb + lo]!;
  }
}
