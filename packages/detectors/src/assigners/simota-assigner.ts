import { iou } from "./box-math";

/** Hyper-parameters of SimOTA (YOLOX `YOLOXHead.get_assignments` defaults). */
export interface SimOtaOptions {
  /** Half side of the centre-prior square around each gt centre, in strides (default 2.5). */
  centerRadius?: number;
  /** Candidates whose IoUs are summed to give the dynamic k (default 10). */
  candidateTopk?: number;
  /** Weight of the −log IoU cost (default 3). */
  iouWeight?: number;
  /** Cost added when an anchor is not both inside the gt box and inside its centre square (default 1e5). */
  outsideCost?: number;
}

/** One image's inputs; all boxes xyxy in input pixels. */
export interface SimOtaInput {
  numClasses: number;
  /** `[A·C]` predicted class probabilities σ(cls), anchor-major. */
  clsProbs: ArrayLike<number>;
  /** `[A]` predicted objectness probabilities σ(obj). */
  objProbs: ArrayLike<number>;
  /** `[A·4]` decoded predicted boxes. */
  predBoxes: ArrayLike<number>;
  /** `[A·2]` anchor centres (YOLOX: (x + 0.5)·stride, (y + 0.5)·stride). */
  anchors: ArrayLike<number>;
  /** `[A]` stride of each anchor. */
  strides: ArrayLike<number>;
  /** `[M·4]` ground-truth boxes. */
  gtBoxes: ArrayLike<number>;
  /** `[M]` ground-truth class indices. */
  gtLabels: ArrayLike<number>;
}

/** A SimOTA assignment of one image; background anchors have `fg = 0`, `gtIndex = −1`, `iou = 0`. */
export interface SimOtaAssignment {
  /** `[A]` 1 for foreground anchors. */
  fg: Uint8Array;
  /** `[A]` index of the assigned ground truth, −1 for background. */
  gtIndex: Int32Array;
  /** `[A]` IoU of the anchor's predicted box with its assigned gt (YOLOX `pred_ious_this_matching`). */
  iou: Float32Array;
  /** Number of foreground anchors. */
  numFg: number;
}

/** PyTorch `F.binary_cross_entropy` clamps each log term at −100. */
function clampedLog(p: number): number {
  return Math.max(Math.log(p), -100);
}

/**
 * SimOTA dynamic-k label assignment (Ge et al., "YOLOX: Exceeding YOLO Series in 2021", §2.2 and
 * Megvii YOLOX `YOLOXHead.get_assignments` / `get_in_boxes_info` / `dynamic_k_matching`):
 * 1. in-box(j, a): anchor centre strictly inside gt j; in-centre(j, a): |centre − gt centre| < r·stride
 *    on both axes (r = `centerRadius`). Candidates: anchors in-box or in-centre of ANY gt;
 * 2. on candidates, IoU_ja = IoU(gt_j, pred_a) and cost_ja = Σ_c BCE(√(σ(cls_ac)·σ(obj_a)), onehot_c(label_j))
 *    + 3·(−log(IoU_ja + 1e-8)) + 1e5·¬(in-box(j, a) ∧ in-centre(j, a)) (BCE logs clamped at −100 as PyTorch);
 * 3. dynamic k_j = max(⌊Σ of the top-min(10, #candidates) IoU_ja⌋, 1); gt j takes its k_j lowest-cost
 *    candidates (ties: lower anchor index first; torch.topk leaves tie order unspecified);
 * 4. an anchor taken by several gts goes to the gt of minimum cost over all gts (first on ties).
 * Deliberate difference: gts with zero or negative width/height are ignored (YOLOX filters them out in its
 * data pipeline). IoU uses mmdet's union floor of 1e-6 (YOLOX divides by the bare union).
 * Pure function on one image (the batch loop is the caller's); deterministic.
 */
export function simOtaAssign(input: SimOtaInput, opts: SimOtaOptions = {}): SimOtaAssignment {
  const { centerRadius = 2.5, candidateTopk = 10, iouWeight = 3, outsideCost = 1e5 } = opts;
  const C = input.numClasses;
  const A = input.anchors.length / 2;
  const M = input.gtLabels.length;
  const out: SimOtaAssignment = {
    fg: new Uint8Array(A),
    gtIndex: new Int32Array(A).fill(-1),
    iou: new Float32Array(A),
    numFg: 0,
  };
  const { anchors: anc, gtBoxes: g, predBoxes, strides } = input;
  const gts: number[] = [];
  for (let j = 0; j < M; j++) {
    const label = input.gtLabels[j] as number;
    if (!(Number.isInteger(label) && label >= 0 && label < C))
      throw new Error(`simOtaAssign: gt ${j} has class ${label}, allowed 0..${C - 1}`);
    if (
      (g[4 * j + 2] as number) > (g[4 * j] as number) &&
      (g[4 * j + 3] as number) > (g[4 * j + 1] as number)
    )
      gts.push(j);
  }
  // 1. geometry: in-box / in-centre per (gt, anchor), candidates = union over gts
  const both = new Uint8Array(M * A);
  const isCand = new Uint8Array(A);
  for (const j of gts) {
    const x1 = g[4 * j] as number,
      y1 = g[4 * j + 1] as number,
      x2 = g[4 * j + 2] as number,
      y2 = g[4 * j + 3] as number;
    const cx = (x1 + x2) / 2,
      cy = (y1 + y2) / 2;
    for (let a = 0; a < A; a++) {
      const ax = anc[2 * a] as number,
        ay = anc[2 * a + 1] as number;
      const r = centerRadius * (strides[a] as number);
      const inBox = Math.min(ax - x1, ay - y1, x2 - ax, y2 - ay) > 0;
      const inCtr = Math.min(ax - (cx - r), ay - (cy - r), cx + r - ax, cy + r - ay) > 0;
      if (inBox || inCtr) isCand[a] = 1;
      if (inBox && inCtr) both[j * A + a] = 1;
    }
  }
  const cand: number[] = [];
  for (let a = 0; a < A; a++) if (isCand[a]) cand.push(a);
  const K = cand.length;
  if (K === 0 || gts.length === 0) return out;
  // 2. pairwise IoU and cost on the candidates; BCE of the joint score: Σ_c −log(1 − q_c), then swap the label's term
  const ious = new Float64Array(M * K);
  const cost = new Float64Array(M * K).fill(Infinity);
  const negSum = new Float64Array(K);
  const q = (a: number, c: number): number =>
    Math.sqrt((input.clsProbs[a * C + c] as number) * (input.objProbs[a] as number));
  cand.forEach((a, k) => {
    for (let c = 0; c < C; c++) negSum[k] = negSum[k]! - clampedLog(1 - q(a, c));
  });
  for (const j of gts) {
    const label = input.gtLabels[j] as number;
    cand.forEach((a, k) => {
      const o = iou(g, j, predBoxes, a);
      const qa = q(a, label);
      const clsCost = negSum[k]! + clampedLog(1 - qa) - clampedLog(qa);
      ious[j * K + k] = o;
      cost[j * K + k] = clsCost + iouWeight * -Math.log(o + 1e-8) + (both[j * A + a] ? 0 : outsideCost);
    });
  }
  // 3. dynamic k per gt, its k lowest-cost candidates
  const matched = new Uint8Array(M * K);
  const count = new Int32Array(K);
  const order = Array.from({ length: K }, (_, k) => k);
  for (const j of gts) {
    const top = Array.from(ious.subarray(j * K, (j + 1) * K)).sort((p, r) => r - p);
    const dynK = Math.max(Math.floor(top.slice(0, Math.min(candidateTopk, K)).reduce((s, v) => s + v, 0)), 1);
    const byCost = order.slice().sort((p, r) => cost[j * K + p]! - cost[j * K + r]! || p - r);
    for (const k of byCost.slice(0, dynK)) {
      matched[j * K + k] = 1;
      count[k]!++;
    }
  }
  // 4. conflicts → minimum-cost gt
  cand.forEach((a, k) => {
    if (count[k] === 0) return;
    let best = -1;
    if (count[k]! > 1) {
      for (const j of gts) if (best < 0 || cost[j * K + k]! < cost[best * K + k]!) best = j;
    } else {
      for (const j of gts) if (matched[j * K + k]) best = j;
    }
    out.fg[a] = 1;
    out.gtIndex[a] = best;
    out.iou[a] = ious[best * K + k]!;
    out.numFg++;
  });
  return out;
}
