/**
 * Small pure helpers on samples and their per-box arrays (used by every augmentation).
 */
import type { Annotations } from "./types";

/** The per-box fields other than `boxes`, in one place so no augmentation forgets one. */
export const PER_BOX_FIELDS = [
  "classes",
  "categoryIds",
  "iscrowd",
  "difficult",
  "truncated",
  "ignore",
] as const;

/** Annotations with no boxes. */
export function emptyAnnotations(): Annotations {
  return {
    boxes: new Float32Array(0),
    classes: new Int32Array(0),
    categoryIds: new Int32Array(0),
    iscrowd: new Uint8Array(0),
    difficult: new Uint8Array(0),
    truncated: new Uint8Array(0),
    ignore: new Uint8Array(0),
  };
}

/** Keep the boxes at `keep` (in that order), taking coordinates from `boxes` (same layout as the source). */
export function selectBoxes(
  a: Annotations,
  keep: ArrayLike<number>,
  boxes: Float32Array = a.boxes,
): Annotations {
  const n = keep.length;
  const out: Annotations = {
    boxes: new Float32Array(n * 4),
    classes: new Int32Array(n),
    categoryIds: new Int32Array(n),
    iscrowd: new Uint8Array(n),
    difficult: new Uint8Array(n),
    truncated: new Uint8Array(n),
    ignore: new Uint8Array(n),
  };
  for (let j = 0; j < n; j++) {
    const i = keep[j]!;
    out.boxes.set(boxes.subarray(i * 4, i * 4 + 4), j * 4);
    for (const f of PER_BOX_FIELDS) out[f][j] = a[f][i]!;
  }
  return out;
}

/** Concatenate the annotations of several samples (mosaic). */
export function concatAnnotations(parts: Annotations[]): Annotations {
  const n = parts.reduce((s, p) => s + p.classes.length, 0);
  const res: Annotations = {
    boxes: new Float32Array(n * 4),
    classes: new Int32Array(n),
    categoryIds: new Int32Array(n),
    iscrowd: new Uint8Array(n),
    difficult: new Uint8Array(n),
    truncated: new Uint8Array(n),
    ignore: new Uint8Array(n),
  };
  let o = 0;
  for (const p of parts) {
    res.boxes.set(p.boxes, o * 4);
    for (const f of PER_BOX_FIELDS) res[f].set(p[f], o);
    o += p.classes.length;
  }
  return res;
}

/** A copy of a sample's annotations (arrays copied, image shared). */
export function copyAnnotations(a: Annotations): Annotations {
  return {
    boxes: a.boxes.slice(),
    classes: a.classes.slice(),
    categoryIds: a.categoryIds.slice(),
    iscrowd: a.iscrowd.slice(),
    difficult: a.difficult.slice(),
    truncated: a.truncated.slice(),
    ignore: a.ignore.slice(),
  };
}
