/**
 * Building the per-image annotation arrays while loading, with the box checks every loader shares.
 *
 * Box policy (all loaders): a box must have finite coordinates and positive width and height. Coordinates outside
 * the image by at most `clipTolerance` pixels (numerical noise such as YOLO's 6-decimal rounding) are clipped
 * without a report; beyond that the box is clipped to the image and reported (`clipped-box`). A box with zero or
 * negative size, or nothing left inside the image, is skipped and reported (`skipped-box`).
 */
import type { ProblemLog } from "./errors";
import type { Annotations } from "./types";

/** Default tolerance (pixels) for silent clipping of coordinates just outside the image. */
export const DEFAULT_CLIP_TOLERANCE = 0.01;

/** Flags of one box. */
export interface BoxFlags {
  iscrowd?: boolean;
  difficult?: boolean;
  truncated?: boolean;
  ignore?: boolean;
}

/** Growable per-image annotation lists. */
export class AnnotationBuilder {
  private boxes: number[] = [];
  private classes: number[] = [];
  private categoryIds: number[] = [];
  private iscrowd: number[] = [];
  private difficult: number[] = [];
  private truncated: number[] = [];
  private ignore: number[] = [];

  /** Append a box that already passed the checks. */
  push(
    x1: number,
    y1: number,
    x2: number,
    y2: number,
    cls: number,
    categoryId: number,
    flags: BoxFlags = {},
  ): void {
    this.boxes.push(x1, y1, x2, y2);
    this.classes.push(cls);
    this.categoryIds.push(categoryId);
    this.iscrowd.push(flags.iscrowd ? 1 : 0);
    this.difficult.push(flags.difficult ? 1 : 0);
    this.truncated.push(flags.truncated ? 1 : 0);
    this.ignore.push(flags.ignore ? 1 : 0);
  }

  get length(): number {
    return this.classes.length;
  }

  /** The typed arrays. */
  build(): Annotations {
    return {
      boxes: Float32Array.from(this.boxes),
      classes: Int32Array.from(this.classes),
      categoryIds: Int32Array.from(this.categoryIds),
      iscrowd: Uint8Array.from(this.iscrowd),
      difficult: Uint8Array.from(this.difficult),
      truncated: Uint8Array.from(this.truncated),
      ignore: Uint8Array.from(this.ignore),
    };
  }
}

/** Where a box came from, for problem reports. */
export interface BoxSource {
  file: string;
  entry: string | number;
  field: string;
}

/**
 * Check an xyxy box against a `width × height` image and append it (clipped) to `out`, or report and skip it.
 * Returns true when the box was added.
 */
export function addCheckedBox(
  out: AnnotationBuilder,
  box: [number, number, number, number],
  image: { width: number; height: number },
  cls: number,
  categoryId: number,
  flags: BoxFlags,
  log: ProblemLog,
  src: BoxSource,
  clipTolerance = DEFAULT_CLIP_TOLERANCE,
): boolean {
  const [x1, y1, x2, y2] = box;
  const where = { file: src.file, entry: src.entry, field: src.field, value: box };
  if (!box.every(Number.isFinite)) {
    log.add({ ...where, kind: "bad-box", message: "box has a non-finite coordinate", action: "skipped-box" });
    return false;
  }
  if (!(x2 > x1) || !(y2 > y1)) {
    log.add({
      ...where,
      kind: "degenerate-box",
      message: `box has zero or negative size (${x2 - x1} x ${y2 - y1})`,
      action: "skipped-box",
    });
    return false;
  }
  const W = image.width;
  const H = image.height;
  const cx1 = Math.min(Math.max(x1, 0), W);
  const cy1 = Math.min(Math.max(y1, 0), H);
  const cx2 = Math.min(Math.max(x2, 0), W);
  const cy2 = Math.min(Math.max(y2, 0), H);
  if (!(cx2 > cx1) || !(cy2 > cy1)) {
    log.add({
      ...where,
      kind: "box-outside-image",
      message: `box lies outside the ${W}x${H} image`,
      action: "skipped-box",
    });
    return false;
  }
  const overshoot = Math.max(cx1 - x1, cy1 - y1, x2 - cx2, y2 - cy2);
  if (overshoot > clipTolerance) {
    log.add({
      ...where,
      kind: "box-outside-image",
      message: `box extends ${overshoot.toFixed(3)} px outside the ${W}x${H} image; clipped to [${cx1}, ${cy1}, ${cx2}, ${cy2}]`,
      action: "clipped-box",
    });
  }
  out.push(cx1, cy1, cx2, cy2, cls, categoryId, flags);
  return true;
}
