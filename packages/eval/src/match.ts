import { cocoIou } from "./iou";
import type { GroundTruth, Results } from "./load";

/**
 * pycocotools' `evaluateImg` (cocoeval.py lines 235-313) for one (unit, image) group and every area range, with
 * the IoUs of `computeIoU` / maskApi.c `bbIou`. Outcomes are written as bits: for detection slot s, area a and
 * threshold t, bit t % 32 of word (s * A + a) * W + (t >> 5) in tpMask (TP) or igMask (ignored); neither is an FP.
 */

// Module-level alias: under some loaders (tsx) an imported binding is a getter, too slow in the inner loop.
const iouOf = cocoIou;

/** Per-group working memory of the matching, grown on demand. */
export class Scratch {
  dets = new Int32Array(256);
  detsTmp = new Int32Array(256);
  ious = new Float64Array(1024);
  /** Per detection, its largest IoU with any gt of the group (an upper bound on the IoU of any match). */
  rowMax = new Float64Array(256);
  gtOrd = new Int32Array(64);
  gtIg = new Uint8Array(64);
  gtCrowd = new Uint8Array(64);
  gtNz = new Uint8Array(64);
  gtm = new Uint8Array(640);
  fitDets(n: number): void {
    if (this.dets.length < n) {
      const c = Math.max(n, this.dets.length * 2);
      this.dets = new Int32Array(c);
      this.detsTmp = new Int32Array(c);
      this.rowMax = new Float64Array(c);
    }
  }
  fitGts(n: number): void {
    if (this.gtOrd.length < n) {
      const c = Math.max(n, this.gtOrd.length * 2);
      this.gtOrd = new Int32Array(c);
      this.gtIg = new Uint8Array(c);
      this.gtCrowd = new Uint8Array(c);
      this.gtNz = new Uint8Array(c);
    }
  }
  fitGtm(n: number): void {
    if (this.gtm.length < n) this.gtm = new Uint8Array(Math.max(n, this.gtm.length * 2));
  }
  fitIous(n: number): void {
    if (this.ious.length < n) this.ious = new Float64Array(Math.max(n, this.ious.length * 2));
  }
}

/** Everything the per-group matching reads and writes. */
export interface MatchContext {
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
export function matchGroup(
  c: MatchContext,
  u: number,
  slot0: number,
  dets: Int32Array,
  nD: number,
  gItems: Int32Array,
  g0: number,
  nG: number,
): void {
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
  const rowMax = S.rowMax;
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
      let rmax = -Infinity;
      for (let j = 0; j < nG; j++) {
        const e = gItems[g0 + j]!;
        const v = iouOf(qx, qy, qw, qh, gx[e]!, gy[e]!, gw[e]!, gh[e]!, gCr[j] === 1);
        ious[row + j] = v;
        if (!(v <= rmax)) rmax = Number.isNaN(v) ? Infinity : v; // a NaN (impossible for valid boxes) disables the bound
      }
      rowMax[d] = rmax;
    }
  }
  const FULL_LAST = T % 32 === 0 ? -1 : (1 << (T % 32)) - 1;
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
    const mBase = slot0 * mStep + a * W; // words of (slot0 + d, a): mBase + d * mStep + (t >> 5)
    if (nG === 0) {
      // nothing to match: a detection is ignored at every threshold iff its own area is out of range
      for (let d = 0; d < nD; d++) {
        const ar = dArea[dets[d]!]!;
        if (!(ar < lo || ar > hi)) continue;
        for (let w = 0; w < W; w++) igMask[mBase + d * mStep + w] = w < W - 1 ? -1 : FULL_LAST;
      }
      continue;
    }
    // gtm[t * nG + j]: gt j already matched at threshold t
    S.fitGtm(T * nG);
    const gtm = S.gtm;
    gtm.fill(0, 0, T * nG);
    for (let d = 0; d < nD; d++) {
      const ar = dArea[dets[d]!]!;
      const out = ar < lo || ar > hi;
      const row = d * nG;
      const rmax = rowMax[d]!;
      const at0 = mBase + d * mStep;
      let tb = 0;
      let ib = 0;
      for (let t = 0; t < T; t++) {
        // greedy: best = min(t, 1 - 1e-10); IoU >= best matches; ties go to the later gt; crowds can be reused;
        // once a regular gt is held, stop at the first ignored gt
        const gb = t * nG;
        let best = thr[t]!;
        let m = -1;
        // no IoU of the row reaches the threshold: no match (most detections, at most thresholds)
        if (rmax >= best) {
          for (let jj = 0; jj < nG; jj++) {
            const j = ord[jj]!;
            if (gtm[gb + j] === 1 && gCr[j] === 0) continue;
            if (m > -1 && gIg[m] === 0 && gIg[j] === 1) break;
            const v = ious[row + j]!;
            if (v < best) continue;
            best = v;
            m = j;
          }
        }
        const bit = 1 << (t & 31);
        if (m === -1) {
          if (out) ib |= bit;
        } else {
          gtm[gb + m] = 1;
          // dtIg = gtIg[m]; dets with dtm == 0 (unmatched, or matched to gt id 0) out of the range are ignored too.
          // A match to gt id 0 is not a TP: pycocotools stores the gt id, and 0 means "no match".
          if (gIg[m] === 1 || (gNz[m] === 0 && out)) ib |= bit;
          else if (gNz[m] === 1) tb |= bit;
        }
        if ((t & 31) === 31 || t === T - 1) {
          tpMask[at0 + (t >> 5)] = tb;
          igMask[at0 + (t >> 5)] = ib;
          tb = 0;
          ib = 0;
        }
      }
    }
  }
}
