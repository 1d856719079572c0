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
  const stride = K * A * M; // distance between consecutive r in precision
  // local copies: imported bindings can be live getters (e.g. under tsx), too slow in hot loops
  const EPS = NP_SPACING_1;
  const { tpMask, igMask, W } = ev;
  const recThr = Float64Array.from(recThrs);

  let recCap = 0; // per-threshold TP records: den (fp + tp at the TP) and score, [tt * recStride + c]
  let tpDen = new Float64Array(0);
  let tpScore = new Float64Array(0);
  let envBuf = new Float64Array(0); // envelope at the c-th TP
  const ntp = new Int32Array(32);
  const igT = new Int32Array(32);

  for (let k = 0; k < K; k++) {
    if (ev.hasE[k] === 0) continue;
    const order = unitOrder(ev, k);
    const n = order.length;
    const sScore = new Float64Array(n);
    const sRank = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      sScore[i] = ev.slotScore[s]!;
      sRank[i] = ev.slotRank[s]!;
    }
    // positions kept for each maxDets entry (null: all)
    const kept = maxDets.map((mDet) => {
      if (mDet >= maxLast) return null;
      const out = new Int32Array(n);
      let c = 0;
      for (let i = 0; i < n; i++) if (sRank[i]! < mDet) out[c++] = i;
      return out.subarray(0, c);
    });
    // TP / ignore mask words in score order, [(a * W + w) * n + i]: one pass over the unit's slots
    const AW = A * W;
    const tmAll = new Int32Array(AW * n);
    const imAll = new Int32Array(AW * n);
    for (let i = 0; i < n; i++) {
      const base = order[i]! * AW;
      for (let b = 0; b < AW; b++) {
        tmAll[b * n + i] = tpMask[base + b]!;
        imAll[b * n + i] = igMask[base + b]!;
      }
    }
    for (let a = 0; a < A; a++) {
      const npig = ev.npig[k * A + a]!;
      if (npig === 0) continue;
      const recStride = npig + 1;
      if (32 * recStride > recCap) {
        recCap = 32 * recStride;
        tpDen = new Float64Array(recCap);
        tpScore = new Float64Array(recCap);
      }
      if (envBuf.length < recStride) envBuf = new Float64Array(recStride);
      for (let w = 0; w < W; w++) {
        const t0 = w * 32;
        const Tc = Math.min(32, T - t0);
        const FULL = Tc === 32 ? -1 : (1 << Tc) - 1;
        const tm = tmAll.subarray((a * W + w) * n, (a * W + w + 1) * n);
        const im = imAll.subarray((a * W + w) * n, (a * W + w + 1) * n);
        for (let mi = 0; mi < M; mi++) {
          const pos = kept[mi]!;
          const nd = pos === null ? n : pos.length;
          ntp.fill(0);
          igT.fill(0);
          let igAll = 0;
          for (let q = 0; q < nd; q++) {
            const i = pos === null ? q : pos[q]!;
            const tmask = tm[i]!;
            const imask = im[i]!;
            if (tmask === 0) {
              if (imask === 0) continue; // FP at every threshold
              if (imask === FULL) {
                igAll++;
                continue;
              }
            }
            for (let tt = 0; tt < Tc; tt++) {
              const bit = 1 << tt;
              if ((imask & bit) !== 0) igT[tt]!++;
              else if ((tmask & bit) !== 0) {
                const c = ++ntp[tt]!;
                tpDen[tt * recStride + c] = q + 1 - igAll - igT[tt]!; // fp + tp up to this detection
                tpScore[tt * recStride + c] = sScore[i]!;
              }
            }
          }
          const firstScore = nd > 0 ? sScore[pos === null ? 0 : pos[0]!]! : 0;
          for (let tt = 0; tt < Tc; tt++) {
            const t = t0 + tt;
            const nt = ntp[tt]!;
            const rb = tt * recStride;
            recall[((t * K + k) * A + a) * M + mi] = nd > 0 ? nt / npig : 0;
            // envelope at the TPs: env[c] = max(pr_c, env[c + 1]) with pr_c = c / ((fp + tp) + eps)
            let run = -Infinity;
            for (let c = nt; c >= 1; c--) {
              const p = c / (tpDen[rb + c]! + EPS);
              if (p > run) run = p;
              envBuf[c] = run;
            }
            const env0 = nt > 0 ? envBuf[1]! : 0; // pr[0] is 0, or the first TP's pr when index 0 is a TP
            const pbase = (t * R * K + k) * A * M + a * M + mi;
            let stopped = false;
            for (let j = 0; j < R; j++) {
              const at = pbase + j * stride;
              if (stopped) {
                precision[at] = 0;
                scoresOut[at] = 0;
                continue;
              }
              // smallest c in [0, nt] with c / npig >= r (c = 0 stands for index 0)
              const r = recThr[j]!;
              let lo = 0;
              let hi = nt + 1;
              while (lo < hi) {
                const mid = (lo + hi) >>> 1;
                if (mid / npig < r) lo = mid + 1;
                else hi = mid;
              }
              if (lo > nt || nd === 0) {
                stopped = true;
                precision[at] = 0;
                scoresOut[at] = 0;
              } else if (lo === 0) {
                precision[at] = env0;
                scoresOut[at] = firstScore;
              } else {
                precision[at] = envBuf[lo]!;
                scoresOut[at] = tpScore[rb + lo]!;
              }
            }
          }
        }
      }
    }
  }
  return { precision, recall, scores: scoresOut, precisionShape: [T, R, K, A, M], recallShape: [T, K, A, M] };
}
