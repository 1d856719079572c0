import { iou } from "./box-math";

/** Max-IoU assignment settings (defaults: mmdet RetinaNet `MaxIoUAssigner`). */
export interface MaxIouOptions {
  /** IoU ≥ this with the best gt → positive (default 0.5). */
  posIouThr?: number;
  /** Best IoU in [0, this) → background (default 0.4); in between → ignored. */
  negIouThr?: number;
  /** A gt's best anchor(s) become positive when that best IoU is ≥ this (default 0). */
  minPosIou?: number;
  /** Force every gt's best anchor(s) positive (mmdet `match_low_quality`, default true). */
  matchLowQuality?: boolean;
  /** All anchors tying a gt's best IoU are forced, not just the first (default true). */
  gtMaxAssignAll?: boolean;
}

/** Assignment codes besides gt indices ≥ 0. */
export const BACKGROUND = -1;
/** An anchor whose loss is ignored (IoU between the thresholds). */
export const IGNORED = -2;

/**
 * Max-IoU anchor assignment (Lin et al., ICCV 2017 §4; mmdet `MaxIoUAssigner.assign_wrt_overlaps`,
 * IoU as mmdet `bbox_overlaps`, eps 1e-6), one image, boxes xyxy:
 * 1. each anchor's best gt (first on ties) by IoU u; u ≥ `posIouThr` → that gt, 0 ≤ u < `negIouThr`
 *    → background (−1), otherwise ignored (−2);
 * 2. with `matchLowQuality`, for each gt j in order whose best IoU m_j ≥ `minPosIou` and m_j > 0,
 *    the anchors with IoU = m_j (all of them, or the first) are assigned j (later gts override).
 * Deviation: mmdet also forces a gt with m_j = 0 (no overlapping anchor), which at min_pos_iou 0
 * would make every non-overlapping anchor positive; kdet skips such gts.
 * No gts → every anchor background. Returns per anchor the gt index, −1 or −2. Pure function.
 */
export function maxIouAssign(
  anchors: ArrayLike<number>,
  gtBoxes: ArrayLike<number>,
  opts: MaxIouOptions = {},
): Int32Array {
  const {
    posIouThr = 0.5,
    negIouThr = 0.4,
    minPosIou = 0,
    matchLowQuality = true,
    gtMaxAssignAll = true,
  } = opts;
  const A = anchors.length / 4;
  const M = gtBoxes.length / 4;
  const assigned = new Int32Array(A).fill(BACKGROUND);
  if (M === 0 || A === 0) return assigned;
  const ov = new Float64Array(M * A);
  const gtMax = new Float64Array(M).fill(-Infinity);
  for (let j = 0; j < M; j++) {
    for (let a = 0; a < A; a++) {
      const v = iou(anchors, a, gtBoxes, j);
      ov[j * A + a] = v;
      if (v > (gtMax[j] as number)) gtMax[j] = v;
    }
  }
  for (let a = 0; a < A; a++) {
    let best = -Infinity;
    let arg = -1;
    for (let j = 0; j < M; j++) {
      if ((ov[j * A + a] as number) > best) {
        best = ov[j * A + a] as number;
        arg = j;
      }
    }
    assigned[a] = best >= posIouThr ? arg : best >= 0 && best < negIouThr ? BACKGROUND : IGNORED;
  }
  if (matchLowQuality) {
    for (let j = 0; j < M; j++) {
      const m = gtMax[j] as number;
      if (!(m >= minPosIou && m > 0)) continue;
      for (let a = 0; a < A; a++) {
        if (ov[j * A + a] === m) {
          assigned[a] = j;
          if (!gtMaxAssignAll) break;
        }
      }
    }
  }
  return assigned;
}
