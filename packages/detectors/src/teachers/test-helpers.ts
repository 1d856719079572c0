/** Test-only helpers of the teacher tests: the coco128 location and an independent greedy NMS. */
import { existsSync } from "node:fs";
import path from "node:path";

/** `$KDET_DATA/datasets/coco128` (default: `shared/` beside the clone). */
export const COCO128 = path.join(
  process.env.KDET_DATA ?? path.join(import.meta.dirname, "..", "..", "..", "..", "..", "shared"),
  "datasets",
  "coco128",
);
/** A real coco128 val image (640×480, several people and objects). */
export const VAL_IMAGE = path.join(COCO128, "images", "val2017", "000000000139.jpg");
/** Whether the dataset is present; tests skip with a message otherwise. */
export const HAVE_DATA = existsSync(VAL_IMAGE);
if (!HAVE_DATA) console.warn(`[teachers] skipping teacher tests: ${VAL_IMAGE} not found (set KDET_DATA)`);

/** A plain detection record used by the tests' independent decoders. */
export interface Det {
  box: [number, number, number, number];
  score: number;
  cls: number;
}

/** Straightforward class-wise greedy NMS (IoU > thr suppresses), best first, at most `max`. */
export function simpleNms(dets: Det[], thr: number, max: number): Det[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: Det[] = [];
  for (const d of sorted) {
    if (kept.length >= max) break;
    if (kept.every((k) => k.cls !== d.cls || iou(k.box, d.box) <= thr)) kept.push(d);
  }
  return kept;
}

function iou(a: Det["box"], b: Det["box"]): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Teacher detections as {@link Det} records. */
export function toDets(d: { boxes: Float32Array; scores: Float32Array; classes: Int32Array }): Det[] {
  return Array.from(d.scores, (score, i) => ({
    box: [d.boxes[4 * i]!, d.boxes[4 * i + 1]!, d.boxes[4 * i + 2]!, d.boxes[4 * i + 3]!],
    score,
    cls: d.classes[i]!,
  }));
}

/** Orders detections by (score desc, class, x1) so tie order cannot matter. */
export function canonical(d: Det[]): Det[] {
  return [...d].sort((a, b) => b.score - a.score || a.cls - b.cls || a.box[0] - b.box[0]);
}
