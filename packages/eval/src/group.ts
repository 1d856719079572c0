import type { ResolvedParams } from "./coco-params";
import type { GroundTruth } from "./load";
import { indexOfIds } from "./id-index";
import { countingSortBy } from "./sort";

/**
 * Grouping of ground truths and detections by (unit, image), in pycocotools' order. A "unit" is one entry of the
 * K axis: a category (useCats) or all categories pooled (useCats = false).
 */

/**
 * Entries (annotation or detection indices) grouped by (image, unit), stable inside a group. Groups are ordered
 * image-major: results files are usually written image by image, so this walks the detection arrays nearly
 * sequentially.
 */
export interface Groups {
  /** Flat entry list, sorted by (image, unit, then pooling / file order). */
  readonly items: Int32Array;
  /** Per group: its unit, image position and start in items; groupStart has one extra element. */
  readonly unit: Int32Array;
  readonly img: Int32Array;
  readonly start: Int32Array;
  readonly count: number;
}

/**
 * Buckets entries into (unit, image) groups, stable: inside a group, entries keep their list order, after the
 * pooling order of catIds when useCats is false (an entry is repeated if its category is repeated in catIds).
 */
export function group(
  entries: Int32Array,
  imgPosOf: Int32Array,
  catOf: Float64Array,
  params: ResolvedParams,
  nImg: number,
): Groups {
  const { useCats, catIds } = params;
  // (entry, image, sub): sub is the position of the entry's category in catIds (the unit k when useCats). With
  // useCats false, catIds may repeat a category; its entries are then pooled once per occurrence.
  const unique = new Set(catIds).size === catIds.length;
  const subOf = unique ? indexOfIds(catOf, catIds) : null;
  const posOf = new Map<number, number[]>();
  if (!unique) catIds.forEach((c, p) => posOf.set(c, [...(posOf.get(c) ?? []), p]));
  let n = 0;
  for (let j = 0; j < entries.length; j++) {
    const e = entries[j]!;
    if (imgPosOf[e]! < 0) continue;
    n += subOf ? (subOf[e]! >= 0 ? 1 : 0) : (posOf.get(catOf[e]!)?.length ?? 0);
  }
  const idxs = new Int32Array(n);
  const imgOf = new Int32Array(n);
  const sub = new Int32Array(n);
  let c = 0;
  for (let j = 0; j < entries.length; j++) {
    const e = entries[j]!;
    const im = imgPosOf[e]!;
    if (im < 0) continue;
    if (subOf) {
      const p = subOf[e]!;
      if (p < 0) continue;
      idxs[c] = e;
      imgOf[c] = im;
      sub[c++] = p;
    } else {
      for (const p of posOf.get(catOf[e]!) ?? []) {
        idxs[c] = e;
        imgOf[c] = im;
        sub[c++] = p;
      }
    }
  }
  let perm: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  // LSD radix: by sub, then by image (both passes stable)
  perm = countingSortBy(perm, sub, Math.max(catIds.length, 1));
  perm = countingSortBy(perm, imgOf, nImg);
  const items = new Int32Array(n);
  const unit = new Int32Array(n);
  const img = new Int32Array(n);
  const start = new Int32Array(n + 1);
  let count = 0;
  let prevU = -1;
  let prevI = -1;
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    items[i] = idxs[p]!;
    const u = useCats ? sub[p]! : 0;
    const im = imgOf[p]!;
    if (u !== prevU || im !== prevI) {
      unit[count] = u;
      img[count] = im;
      start[count] = i;
      count++;
      prevU = u;
      prevI = im;
    }
  }
  start[count] = n;
  return { items, unit, img, start, count };
}

/** Ground-truth list in pycocotools' order, with the duplicate-id substitution of `loadAnns(getAnnIds(...))`. */
export function effectiveGts(gt: GroundTruth, params: ResolvedParams, annImgPos: Int32Array): Int32Array {
  const { n, id, categoryId } = gt.ann;
  const nImg = params.imgIds.length;
  // annotations of every evaluated image, images in imgIds order, file order inside an image
  const inImgs: number[] = [];
  for (let i = 0; i < n; i++) if (annImgPos[i]! >= 0) inImgs.push(i);
  const ordered = countingSortBy(Int32Array.from(inImgs), annImgPos, nImg);
  const catSet = params.useCats ? new Set(params.catIds) : null;
  const lastById = new Map<number, number>();
  for (let i = 0; i < n; i++) lastById.set(id[i]!, i);
  const hasDup = lastById.size < n;
  const out: number[] = [];
  for (let j = 0; j < ordered.length; j++) {
    const a = ordered[j]!;
    if (catSet && !catSet.has(categoryId[a]!)) continue;
    out.push(hasDup ? lastById.get(id[a]!)! : a);
  }
  return Int32Array.from(out);
}
