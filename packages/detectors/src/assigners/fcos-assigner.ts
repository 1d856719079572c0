/** One image's FCOS assignment inputs; boxes xyxy in input pixels. */
export interface FcosAssignInput {
  /** `[P·2]` locations (x, y) in input pixels, level by level. */
  points: ArrayLike<number>;
  /** Locations per level (sums to P). */
  levelCounts: readonly number[];
  /** Stride of each level. */
  strides: readonly number[];
  /** `[M·4]` ground-truth boxes. */
  gtBoxes: ArrayLike<number>;
}

/** FCOS assignment settings (mmdet `FCOSHead` defaults of the center-normbbox-centeronreg-giou config). */
export interface FcosAssignOptions {
  /** Per level [lo, hi] of the largest regression distance (default {@link FCOS_REGRESS_RANGES}). */
  regressRanges?: ReadonlyArray<readonly [number, number]>;
  /** Only locations within `radius`·stride of the gt centre (clipped to the gt) are candidates (default true). */
  centerSampling?: boolean;
  /** Centre-sampling radius in strides (default 1.5). */
  radius?: number;
}

/** mmdet's FCOS regression ranges for P3–P7 (INF = 1e8). */
export const FCOS_REGRESS_RANGES: ReadonlyArray<readonly [number, number]> = [
  [-1, 64],
  [64, 128],
  [128, 256],
  [256, 512],
  [512, 1e8],
];

/**
 * FCOS target assignment (Tian et al., ICCV 2019 §3.2; mmdet `FCOSHead._get_targets_single`), per
 * location (x, y) of level l and gt g with (l, t, r, b) = (x − x1, y − y1, x2 − x, y2 − y):
 * 1. inside: min(l, t, r, b) > 0, or with centre sampling the same test against the gt's centre box
 *    (cx ± radius·s_l, cy ± radius·s_l) clipped to the gt;
 * 2. scale: lo_l ≤ max(l, t, r, b) ≤ hi_l;
 * 3. among the gts passing both, the smallest area wins (first gt on ties).
 * Returns, per location, the assigned gt index or −1 (background). Pure function of one image.
 */
export function fcosAssign(input: FcosAssignInput, opts: FcosAssignOptions = {}): Int32Array {
  const { points, levelCounts, strides, gtBoxes: g } = input;
  const { regressRanges = FCOS_REGRESS_RANGES, centerSampling = true, radius = 1.5 } = opts;
  if (regressRanges.length < levelCounts.length || strides.length < levelCounts.length) {
    throw new Error(
      `fcosAssign: ${levelCounts.length} levels need as many strides (got ${strides.length}) and regression ranges (got ${regressRanges.length})`,
    );
  }
  const P = points.length / 2;
  const M = g.length / 4;
  const assigned = new Int32Array(P).fill(-1);
  let p = 0;
  levelCounts.forEach((n, lvl) => {
    const [lo, hi] = regressRanges[lvl] as readonly [number, number];
    const r = radius * (strides[lvl] as number);
    for (let end = p + n; p < end; p++) {
      const x = points[2 * p] as number,
        y = points[2 * p + 1] as number;
      let bestArea = Infinity;
      for (let j = 0; j < M; j++) {
        const x1 = g[4 * j] as number,
          y1 = g[4 * j + 1] as number,
          x2 = g[4 * j + 2] as number,
          y2 = g[4 * j + 3] as number;
        const maxDist = Math.max(x - x1, y - y1, x2 - x, y2 - y);
        let inside: boolean;
        if (centerSampling) {
          const cx = (x1 + x2) / 2,
            cy = (y1 + y2) / 2;
          inside =
            Math.min(
              x - Math.max(cx - r, x1),
              y - Math.max(cy - r, y1),
              Math.min(cx + r, x2) - x,
              Math.min(cy + r, y2) - y,
            ) > 0;
        } else {
          inside = Math.min(x - x1, y - y1, x2 - x, y2 - y) > 0;
        }
        if (!inside || maxDist < lo || maxDist > hi) continue;
        const area = (x2 - x1) * (y2 - y1);
        if (area < bestArea) {
          bestArea = area;
          assigned[p] = j;
        }
      }
    }
  });
  if (p !== P) throw new Error(`fcosAssign: level counts sum to ${p}, got ${P} points`);
  return assigned;
}
