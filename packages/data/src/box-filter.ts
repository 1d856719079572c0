/**
 * Clipping boxes to the image and dropping the ones an augmentation made too small (after YOLOv5's
 * `box_candidates`, Jocher et al., ultralytics/yolov5 `utils/augmentations.py`).
 */
import { z } from "zod";
import { selectBoxes } from "./sample-ops";
import type { Annotations } from "./types";

/** Which boxes survive an augmentation. */
export const BoxFilterSchema = z.object({
  /** Minimum width and height in pixels after clipping (YOLOv5: 2). */
  minSize: z.number().nonnegative().default(2),
  /** Minimum area in pixels² after clipping. */
  minArea: z.number().nonnegative().default(0),
  /** Minimum fraction of the box's (transformed, unclipped) area that stays inside the image (YOLOv5: 0.1). */
  minVisible: z.number().min(0).max(1).default(0.1),
  /** Maximum aspect ratio max(w/h, h/w) after clipping (YOLOv5: 20). */
  maxAspect: z.number().positive().default(20),
});
/** See `BoxFilterSchema`. */
export type BoxFilter = z.output<typeof BoxFilterSchema>;

/**
 * Clip boxes to `[0, W] × [0, H]` and keep those with w, h ≥ minSize, w·h ≥ minArea, clipped/unclipped area ≥
 * minVisible and aspect ≤ maxAspect. Crowd/ignore boxes follow the same rule. Returns new annotations.
 */
export function clipAndFilterBoxes(a: Annotations, width: number, height: number, f: BoxFilter): Annotations {
  const n = a.classes.length;
  const clipped = new Float32Array(n * 4);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const bx1 = a.boxes[i * 4]!,
      by1 = a.boxes[i * 4 + 1]!,
      bx2 = a.boxes[i * 4 + 2]!,
      by2 = a.boxes[i * 4 + 3]!;
    const x1 = Math.min(Math.max(bx1, 0), width);
    const y1 = Math.min(Math.max(by1, 0), height);
    const x2 = Math.min(Math.max(bx2, 0), width);
    const y2 = Math.min(Math.max(by2, 0), height);
    clipped[i * 4] = x1;
    clipped[i * 4 + 1] = y1;
    clipped[i * 4 + 2] = x2;
    clipped[i * 4 + 3] = y2;
    const w = x2 - x1;
    const h = y2 - y1;
    const area0 = (bx2 - bx1) * (by2 - by1);
    if (!(w >= f.minSize && h >= f.minSize && w > 0 && h > 0)) continue;
    if (w * h < f.minArea) continue;
    if (area0 > 0 && (w * h) / area0 < f.minVisible) continue;
    if (Math.max(w / h, h / w) > f.maxAspect) continue;
    keep.push(i);
  }
  return selectBoxes(a, keep, clipped);
}
