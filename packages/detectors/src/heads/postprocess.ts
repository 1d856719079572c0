import { nms } from "@kdet/core";

/** Detections of one image: xyxy boxes in input pixels `[n·4]`, scores `[n]`, class indices `[n]`, best first. */
export interface Detections {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

/** Post-processing settings (defaults: ultralytics validation — conf 0.001, IoU 0.7, 300 detections, multi-label). */
export interface PostprocessOptions {
  /** Minimum class probability of a candidate (default 0.001). */
  scoreThreshold?: number;
  /** NMS IoU threshold (default 0.7). */
  iouThreshold?: number;
  /** Detections kept per image (default 300). */
  maxDetections?: number;
  /** Candidates entering NMS per image, best first (default 30000, ultralytics `max_nms`). */
  maxCandidates?: number;
  /** Every (anchor, class) above the threshold is a candidate (default true); otherwise only the best class per anchor. */
  multiLabel?: boolean;
  /** Suppress across classes (default false: class-aware NMS). */
  classAgnostic?: boolean;
  /** Clip boxes to `[0, width] × [0, height]` when given. */
  clipTo?: { width: number; height: number };
}

/**
 * Dense predictions of one image → detections: candidates (anchor, class) with probability ≥
 * `scoreThreshold` (all classes, or the arg-max class only), the best `maxCandidates` by score,
 * greedy class-aware NMS (`@kdet/core` `nms`, torchvision IoU semantics) keeping ≤ `maxDetections`.
 * `boxes` `[A·4]` xyxy, `scores` `[A·C]` anchor-major.
 */
export function postprocessImage(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  numClasses: number,
  opts: PostprocessOptions = {},
): Detections {
  const {
    scoreThreshold = 0.001,
    iouThreshold = 0.7,
    maxDetections = 300,
    maxCandidates = 30000,
    multiLabel = true,
    classAgnostic = false,
    clipTo,
  } = opts;
  const C = numClasses;
  const A = boxes.length / 4;
  const cand: Array<[number, number, number]> = [];
  for (let a = 0; a < A; a++) {
    if (multiLabel) {
      for (let c = 0; c < C; c++) {
        const s = scores[a * C + c] as number;
        if (s >= scoreThreshold) cand.push([s, a, c]);
      }
    } else {
      let bc = 0;
      for (let c = 1; c < C; c++) if ((scores[a * C + c] as number) > (scores[a * C + bc] as number)) bc = c;
      const s = scores[a * C + bc] as number;
      if (s >= scoreThreshold) cand.push([s, a, bc]);
    }
  }
  cand.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  if (cand.length > maxCandidates) cand.length = maxCandidates;
  const n = cand.length;
  const cb = new Float32Array(n * 4);
  const cs = new Float32Array(n);
  const cc = new Int32Array(n);
  cand.forEach(([s, a, c], i) => {
    for (let k = 0; k < 4; k++) {
      let v = boxes[4 * a + k] as number;
      if (clipTo) v = Math.min(Math.max(v, 0), k % 2 === 0 ? clipTo.width : clipTo.height);
      cb[4 * i + k] = v;
    }
    cs[i] = s;
    cc[i] = c;
  });
  const keep = nms(cb, cs, cc, { iouThreshold, maxDetections, classAgnostic });
  const out: Detections = {
    boxes: new Float32Array(keep.length * 4),
    scores: new Float32Array(keep.length),
    classes: new Int32Array(keep.length),
  };
  keep.forEach((k, i) => {
    out.boxes.set(cb.subarray(4 * k, 4 * k + 4), 4 * i);
    out.scores[i] = cs[k] as number;
    out.classes[i] = cc[k] as number;
  });
  return out;
}
