/**
 * PGD's prediction-guided key-position weights and background map, for one image, on plain
 * arrays (float64; no tensors). They become the `maskFg` / `maskBg` inputs of the `pgd` loss.
 *
 * Paper: Yang et al., "Prediction-Guided Distillation for Dense Object Detection", ECCV 2022.
 * Reference: ChenhongyiYang/PGD mmdet/models/dense_heads/pgd_heads/utils/pgw_anchor_based.py
 * (PGWAnchorModule.assign, mle_2d_gaussian_2), utils/background_weight.py (get_back_weight),
 * mmdet 2.x iou2d_calculator (bbox_overlaps).
 */

/** Inputs of {@link pgdKeyWeights}; boxes are xyxy absolute input pixels, flat row-major. */
export interface PgdWeightsInput {
  /** Anchor boxes `[M,4]` of all levels of the image (their centres are the positions). */
  anchors: ArrayLike<number>;
  /** Teacher class logits `[M,K]`. */
  teacherCls: ArrayLike<number>;
  /** Teacher's DECODED boxes `[M,4]`. */
  teacherBoxes: ArrayLike<number>;
  /** GT boxes `[G,4]`. */
  gtBoxes: ArrayLike<number>;
  /** GT class per box `[G]`. */
  gtLabels: ArrayLike<number>;
  /** Uniform draws in [0,1) `[G,k,2]` ((x,y) order) for the fit noise (the reference's `torch.rand`). */
  rand?: ArrayLike<number>;
  /** Source of uniform draws when `rand` is not given (e.g. core's `Rng`). */
  rng?: { next(): number };
}

/** Options of {@link pgdKeyWeights}: α (0.8 classification, 0.6 regression in the ATSS config), top-k 9. */
export interface PgdWeightsOptions {
  alpha: number;
  topk?: number;
  /** Weights below this become 0 (reference default 0). */
  lowBound?: number;
}

const EPS = 1e-10;

/** mmdet 2.x IoU: no +1, union clamped at ≥ 1e-6. */
function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const w = Math.max(Math.min(a[i + 2]!, b[j + 2]!) - Math.max(a[i]!, b[j]!), 0);
  const h = Math.max(Math.min(a[i + 3]!, b[j + 3]!) - Math.max(a[i + 1]!, b[j + 1]!), 0);
  const overlap = w * h;
  const union =
    (a[i + 2]! - a[i]!) * (a[i + 3]! - a[i + 1]!) + (b[j + 2]! - b[j]!) * (b[j + 3]! - b[j + 1]!) - overlap;
  return overlap / Math.max(union, 1e-6);
}

/** Is the centre of anchor m strictly inside GT g (margin 1e-10)? */
function inside(anchors: ArrayLike<number>, m: number, gt: ArrayLike<number>, g: number): boolean {
  const cx = (anchors[4 * m]! + anchors[4 * m + 2]!) * 0.5;
  const cy = (anchors[4 * m + 1]! + anchors[4 * m + 3]!) * 0.5;
  return (
    cx - gt[4 * g]! > EPS &&
    cy - gt[4 * g + 1]! > EPS &&
    gt[4 * g + 2]! - cx > EPS &&
    gt[4 * g + 3]! - cy > EPS
  );
}

/**
 * Key-position weights `[M]` and the top-k indices `[k,G]` (row-major):
 * 1. quality `q = σ(t^cls_{m,label_g})^(1−α) · IoU(box_T(m), g)^α`;
 * 2. per GT the top-k anchors by q are the candidates;
 * 3. a 2-D Gaussian is fitted to the candidates' anchor centres plus noise `(U − 0.5)·0.1`
 *    (μ = mean, Σ = biased mean of outer products, Σ⁻¹ = adj(Σ)/(det Σ + 1e-10));
 * 4. candidate weight `exp(−½ dᵀΣ⁻¹d)`, d = un-noised centre − μ (k = 1: weight 1), times
 *    "centre strictly inside the GT"; 5. max over GTs; weights < lowBound → 0.
 * No GT (or no anchor) → all zeros. Deliberate deviations: k is clamped to M (the reference
 * crashes when k > M); `ignore_iof_thr` regions are not supported (the configs disable them).
 */
export function pgdKeyWeights(
  input: PgdWeightsInput,
  opts: PgdWeightsOptions,
): { weights: Float64Array; topkIdxs: Int32Array } {
  const { anchors, teacherCls, teacherBoxes, gtBoxes, gtLabels } = input;
  const m = anchors.length / 4;
  const g = gtLabels.length;
  if (!Number.isInteger(m) || teacherBoxes.length !== 4 * m)
    throw new Error(
      `pgdKeyWeights: anchors (${anchors.length}) and teacherBoxes (${teacherBoxes.length}) must both be M·4`,
    );
  if (gtBoxes.length !== 4 * g)
    throw new Error(`pgdKeyWeights: gtBoxes has ${gtBoxes.length} values, expected 4·${g}`);
  const weights = new Float64Array(m);
  const k = Math.min(opts.topk ?? 9, m);
  if (g === 0 || m === 0) return { weights, topkIdxs: new Int32Array(0) };
  const numClasses = teacherCls.length / m;
  const labels = Array.from(gtLabels);
  const badLabel = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= numClasses);
  if (badLabel >= 0)
    throw new Error(
      `pgdKeyWeights: gtLabels[${badLabel}] = ${labels[badLabel]} is not in [0, ${numClasses})`,
    );
  if (input.rand && input.rand.length !== g * k * 2)
    throw new Error(`pgdKeyWeights: rand has ${input.rand.length} values, expected G·k·2 = ${g * k * 2}`);
  if (!input.rand && !input.rng)
    throw new Error("pgdKeyWeights: give `rand` (G·k·2 uniforms) or an `rng` for the Gaussian-fit noise");
  const uniform = (i: number) => (input.rand ? input.rand[i]! : input.rng!.next());
  const topkIdxs = new Int32Array(k * g);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const alpha = opts.alpha;
  for (let j = 0; j < g; j++) {
    const label = labels[j]!;
    const q = Array.from(
      { length: m },
      (_, i) =>
        sig(teacherCls[i * numClasses + label]!) ** (1 - alpha) *
        iou(teacherBoxes, 4 * i, gtBoxes, 4 * j) ** alpha,
    );
    const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => q[b]! - q[a]! || a - b);
    const cand = order.slice(0, k);
    cand.forEach((c, r) => (topkIdxs[r * g + j] = c));
    const cx = cand.map((c) => (anchors[4 * c]! + anchors[4 * c + 2]!) / 2);
    const cy = cand.map((c) => (anchors[4 * c + 1]! + anchors[4 * c + 3]!) / 2);
    let cw: number[];
    if (k === 1) cw = [1];
    else {
      const dx = cx.map((v, r) => v + (uniform((j * k + r) * 2) - 0.5) * 0.1);
      const dy = cy.map((v, r) => v + (uniform((j * k + r) * 2 + 1) - 0.5) * 0.1);
      const mx = dx.reduce((a, b) => a + b, 0) / k;
      const my = dy.reduce((a, b) => a + b, 0) / k;
      let sxx = 0;
      let sxy = 0;
      let syy = 0;
      for (let r = 0; r < k; r++) {
        sxx += (dx[r]! - mx) ** 2 / k;
        sxy += ((dx[r]! - mx) * (dy[r]! - my)) / k;
        syy += (dy[r]! - my) ** 2 / k;
      }
      const det = sxx * syy - sxy * sxy + 1e-10;
      const [ixx, ixy, iyy] = [syy / det, -sxy / det, sxx / det];
      cw = cand.map((_, r) => {
        const [ux, uy] = [cx[r]! - mx, cy[r]! - my];
        return Math.exp(-0.5 * (ux * (ixx * ux + ixy * uy) + uy * (ixy * ux + iyy * uy)));
      });
    }
    cand.forEach((c, r) => {
      const v = inside(anchors, c, gtBoxes, j) ? cw[r]! : 0;
      if (v > weights[c]!) weights[c] = v;
    });
  }
  const low = opts.lowBound ?? 0;
  for (let i = 0; i < m; i++) if (weights[i]! < low) weights[i] = 0;
  return { weights, topkIdxs };
}

/** Background weights `[M]`: 1 where the anchor centre is strictly inside no GT box, else 0. */
export function pgdBackgroundWeights(anchors: ArrayLike<number>, gtBoxes: ArrayLike<number>): Float64Array {
  const m = anchors.length / 4;
  const g = gtBoxes.length / 4;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let any = false;
    for (let j = 0; j < g && !any; j++) any = inside(anchors, i, gtBoxes, j);
    out[i] = any ? 0 : 1;
  }
  return out;
}
