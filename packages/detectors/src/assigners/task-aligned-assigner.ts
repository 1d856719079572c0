import { ciou } from "./box-math";

/** Hyper-parameters of the task-aligned assigner (ultralytics v8DetectionLoss defaults). */
export interface TaskAlignedOptions {
  /** Candidates per ground truth (default 10). */
  topk?: number;
  /** Exponent of the classification score in the alignment metric (default 0.5). */
  alpha?: number;
  /** Exponent of the IoU in the alignment metric (default 6). */
  beta?: number;
  /** Small constant of the in-box test and of the score normalisation (default 1e-9). */
  eps?: number;
}

/** One image's inputs; all boxes xyxy in input pixels. */
export interface TaskAlignedInput {
  numClasses: number;
  /** `[A·C]` predicted class probabilities (sigmoid), anchor-major. */
  scores: ArrayLike<number>;
  /** `[A·4]` predicted boxes. */
  predBoxes: ArrayLike<number>;
  /** `[A·2]` anchor centres. */
  anchors: ArrayLike<number>;
  /** `[M·4]` ground-truth boxes. */
  gtBoxes: ArrayLike<number>;
  /** `[M]` ground-truth class indices. */
  gtLabels: ArrayLike<number>;
}

/** The assignment of one image; background anchors have `fg = 0`, `gtIndex = -1`, zero scores. */
export interface Assignment {
  /** `[A]` 1 for foreground anchors. */
  fg: Uint8Array;
  /** `[A]` index of the assigned ground truth, −1 for background. */
  gtIndex: Int32Array;
  /** `[A·4]` the assigned ground-truth box (zeros for background). */
  targetBoxes: Float32Array;
  /** `[A·C]` soft classification targets (one-hot × normalised alignment; zeros for background). */
  targetScores: Float32Array;
}

/**
 * Task-aligned assignment (TOOD, Feng et al., ICCV 2021), exactly as ultralytics `TaskAlignedAssigner`:
 * 1. candidates of gt j: anchors whose centre lies strictly inside it (min distance to the sides > eps);
 * 2. overlaps o_ja = max(CIoU(gt_j, pred_a), 0) and alignment t_ja = s_a[label_j]^α · o_ja^β on candidates;
 * 3. positives of gt j: its `topk` candidates by t (ties: lower anchor index first). Candidates with
 *    t = 0 are not positives: torch.topk picks arbitrarily among the zeros, and such an anchor would get
 *    a zero target score and zero weight in every loss term anyway;
 * 4. an anchor positive for several gts keeps the gt of largest o (first on ties);
 * 5. target score of anchor a = onehot(label) · max_j t_ja · max_a' o_ja' / (max_a' t_ja' + eps) over its positives.
 * Pure function on one image (the batch loop is the caller's); deterministic.
 */
export function taskAlignedAssign(input: TaskAlignedInput, opts: TaskAlignedOptions = {}): Assignment {
  const { topk = 10, alpha = 0.5, beta = 6, eps = 1e-9 } = opts;
  const C = input.numClasses;
  const A = input.anchors.length / 2;
  const M = input.gtLabels.length;
  const out: Assignment = {
    fg: new Uint8Array(A),
    gtIndex: new Int32Array(A).fill(-1),
    targetBoxes: new Float32Array(A * 4),
    targetScores: new Float32Array(A * C),
  };
  if (M === 0) return out;
  const { anchors: anc, gtBoxes: g, predBoxes, scores } = input;
  const overlaps = new Float64Array(M * A);
  const align = new Float64Array(M * A);
  const pos = new Uint8Array(M * A);
  for (let j = 0; j < M; j++) {
    const label = input.gtLabels[j] as number;
    if (!(label >= 0 && label < C))
      throw new Error(`taskAlignedAssign: gt ${j} has class ${label}, allowed 0..${C - 1}`);
    const x1 = g[4 * j] as number,
      y1 = g[4 * j + 1] as number,
      x2 = g[4 * j + 2] as number,
      y2 = g[4 * j + 3] as number;
    const cand: number[] = [];
    for (let a = 0; a < A; a++) {
      const ax = anc[2 * a] as number,
        ay = anc[2 * a + 1] as number;
      if (Math.min(ax - x1, ay - y1, x2 - ax, y2 - ay) <= eps) continue;
      const o = Math.max(ciou(g, j, predBoxes, a), 0);
      overlaps[j * A + a] = o;
      align[j * A + a] = (scores[a * C + label] as number) ** alpha * o ** beta;
      cand.push(a);
    }
    cand.sort((p, q) => align[j * A + q]! - align[j * A + p]! || p - q);
    for (const a of cand.slice(0, topk)) if (align[j * A + a]! > 0) pos[j * A + a] = 1;
  }
  // resolve anchors claimed by several gts: keep the gt with the largest overlap
  for (let a = 0; a < A; a++) {
    let n = 0;
    for (let j = 0; j < M; j++) n += pos[j * A + a] as number;
    if (n === 0) continue;
    let best = -1;
    if (n > 1) {
      let bo = -Infinity;
      for (let j = 0; j < M; j++) if (overlaps[j * A + a]! > bo) (bo = overlaps[j * A + a]!), (best = j);
      for (let j = 0; j < M; j++) pos[j * A + a] = j === best ? 1 : 0;
    } else {
      for (let j = 0; j < M; j++) if (pos[j * A + a]) best = j;
    }
    out.fg[a] = 1;
    out.gtIndex[a] = best;
  }
  // normalised alignment per gt
  const maxAlign = new Float64Array(M);
  const maxOverlap = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    for (let a = 0; a < A; a++) {
      if (!pos[j * A + a]) continue;
      maxAlign[j] = Math.max(maxAlign[j]!, align[j * A + a]!);
      maxOverlap[j] = Math.max(maxOverlap[j]!, overlaps[j * A + a]!);
    }
  }
  for (let a = 0; a < A; a++) {
    const j = out.gtIndex[a] as number;
    if (j < 0) continue;
    const norm = (align[j * A + a]! * maxOverlap[j]!) / (maxAlign[j]! + eps);
    out.targetBoxes.set(
      [g[4 * j] as number, g[4 * j + 1] as number, g[4 * j + 2] as number, g[4 * j + 3] as number],
      4 * a,
    );
    out.targetScores[a * C + (input.gtLabels[j] as number)] = norm;
  }
  return out;
}
