/**
 * Greedy non-maximum suppression on plain typed arrays (no tensors: it runs after `dataSync`).
 * Boxes are xyxy absolute [n*4]. Candidates below `scoreThreshold` are dropped; the rest are
 * visited by descending score (ties: lower index first) and a box is kept when its IoU with every
 * kept box of the same class (or any class when `classAgnostic`) is ≤ `iouThreshold`.
 * IoU here has no eps and no +1 (torchvision `nms` semantics). Returns kept indices in visit order.
 */
export interface NmsOptions {
  iouThreshold?: number;
  scoreThreshold?: number;
  maxDetections?: number;
  classAgnostic?: boolean;
}

/** IoU of boxes i and j of one flat xyxy array (torchvision semantics, 0 when the union is 0). */
export function pairIou(b: ArrayLike<number>, i: number, j: number): number {
  const ax1 = b[4 * i] as number,
    ay1 = b[4 * i + 1] as number,
    ax2 = b[4 * i + 2] as number,
    ay2 = b[4 * i + 3] as number;
  const bx1 = b[4 * j] as number,
    by1 = b[4 * j + 1] as number,
    bx2 = b[4 * j + 2] as number,
    by2 = b[4 * j + 3] as number;
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Class-aware (by default) greedy NMS of one image; see the module comment. */
export function nms(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  classes: ArrayLike<number> | undefined,
  opts: NmsOptions = {},
): Int32Array {
  const {
    iouThreshold = 0.5,
    scoreThreshold = -Infinity,
    maxDetections = Infinity,
    classAgnostic = false,
  } = opts;
  const n = scores.length;
  if (boxes.length !== 4 * n)
    throw new Error(`nms: boxes has ${boxes.length} numbers, expected 4 × ${n} scores`);
  if (classes && classes.length !== n)
    throw new Error(`nms: classes has ${classes.length} entries, expected ${n}`);
  const order: number[] = [];
  for (let i = 0; i < n; i++)
    if ((scores[i] as number) >= scoreThreshold && !Number.isNaN(scores[i])) order.push(i);
  order.sort((i, j) => (scores[j] as number) - (scores[i] as number) || i - j);
  const byClass = new Map<number, number[]>();
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    const c = classAgnostic || !classes ? 0 : (classes[i] as number);
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    let ok = true;
    for (const k of list) {
      if (pairIou(boxes, i, k) > iouThreshold) {
        ok = false;
        break;
      }
    }
    if (ok) {
      list.push(i);
      kept.push(i);
    }
  }
  return Int32Array.from(kept);
}

/** One image's detections for {@link batchedNms}. */
export interface ImageDetections {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

/** {@link nms} applied to each image of a batch; returns the kept detections per image. */
export function batchedNms(images: ImageDetections[], opts: NmsOptions = {}): ImageDetections[] {
  return images.map((d) => {
    const keep = nms(d.boxes, d.scores, d.classes, opts);
    const boxes = new Float32Array(keep.length * 4);
    const scores = new Float32Array(keep.length);
    const classes = new Int32Array(keep.length);
    keep.forEach((k, i) => {
      boxes.set(d.boxes.subarray(4 * k, 4 * k + 4), 4 * i);
      scores[i] = d.scores[k] as number;
      classes[i] = d.classes[k] as number;
    });
    return { boxes, scores, classes };
  });
}
