/**
 * Writing any loaded dataset as a COCO ground-truth json, and model outputs as a COCO results list, both in the
 * dataset's own image and category ids (the format `@kdet/eval` and pycocotools read).
 */
import path from "node:path";
import { writeFileAtomic } from "./atomic-write";
import type { CocoGtFile, CocoResult } from "./coco-schema";
import { DataError } from "./errors";
import type { Dataset } from "./types";

/**
 * Numeric COCO image ids for the records: the dataset's own ids when all are integers and unique (COCO, FLIR,
 * YOLO/VOC stems such as `000000000009` → 9 when unique), else `index + 1` in record order.
 */
export function cocoImageIds(ds: Dataset): number[] {
  const own = ds.records.map((r) =>
    typeof r.imageId === "number" ? r.imageId : /^\d{1,15}$/.test(r.imageId) ? Number(r.imageId) : NaN,
  );
  const ok = own.every((x) => Number.isSafeInteger(x)) && new Set(own).size === own.length;
  return ok ? own : ds.records.map((_, i) => i + 1);
}

/**
 * The dataset as a COCO instances ground truth: `bbox = [x1, y1, x2 − x1, y2 − y1]` (pixels), `area` = box area
 * (kdet keeps no masks, so APs/APm/APl of COCO-loaded data can differ from scores against the original json's mask
 * areas), `iscrowd` from the flags, `ignore: 1` on other ignored boxes (VOC difficult; pycocotools itself only
 * honours `iscrowd`). `file_name` is relative to `dataset.root`.
 */
export function toCocoGt(ds: Dataset): CocoGtFile {
  const ids = cocoImageIds(ds);
  const out: CocoGtFile = {
    info: { description: `${ds.name} (${ds.format}) exported by @kdet/data` },
    images: ds.records.map((r, i) => ({
      id: ids[i]!,
      file_name: r.file ? path.relative(ds.root, r.file) : String(r.imageId),
      width: r.width,
      height: r.height,
    })),
    annotations: [],
    categories: ds.classNames.map((name, k) => ({ id: ds.categoryIds[k]!, name })),
  };
  let annId = 1;
  ds.records.forEach((r, i) => {
    for (let j = 0; j < r.classes.length; j++) {
      const x1 = r.boxes[j * 4]!;
      const y1 = r.boxes[j * 4 + 1]!;
      const w = r.boxes[j * 4 + 2]! - x1;
      const h = r.boxes[j * 4 + 3]! - y1;
      const crowd = r.iscrowd[j] === 1;
      out.annotations.push({
        id: annId++,
        image_id: ids[i]!,
        category_id: r.categoryIds[j]!,
        bbox: [x1, y1, w, h],
        area: w * h,
        iscrowd: crowd ? 1 : 0,
        ...(r.ignore[j] === 1 && !crowd ? { ignore: 1 as const } : {}),
      });
    }
  });
  return out;
}

/** Detections for one record, in original image pixels (map batch boxes back with `unmapBoxes` first). */
export interface ImageDetections {
  /** Record index in the dataset. */
  index: number;
  /** `[n·4]` xyxy. */
  boxes: Float32Array;
  scores: Float32Array;
  /** `[n]` class indices 0..K-1. */
  classes: Int32Array;
}

/**
 * Convert detections to a COCO results list: `image_id` from `cocoImageIds`, `category_id = categoryIds[class]`,
 * `bbox = [x1, y1, x2 − x1, y2 − y1]`. Throws a `DataError` for a bad record index or class index.
 */
export function toCocoResults(ds: Dataset, detections: ImageDetections[]): CocoResult[] {
  const ids = cocoImageIds(ds);
  const out: CocoResult[] = [];
  for (const [e, d] of detections.entries()) {
    const imageId = ids[d.index];
    if (imageId === undefined)
      throw new DataError(
        {
          op: "write COCO results",
          entry: e,
          field: "index",
          value: d.index,
          allowed: `0..${ids.length - 1}`,
        },
        "record index out of range",
      );
    if (d.boxes.length !== d.classes.length * 4 || d.scores.length !== d.classes.length) {
      throw new DataError(
        { op: "write COCO results", entry: e, value: [d.boxes.length, d.scores.length, d.classes.length] },
        "boxes/scores/classes lengths disagree (need 4n, n, n)",
      );
    }
    for (let j = 0; j < d.classes.length; j++) {
      const k = d.classes[j]!;
      const cat = ds.categoryIds[k];
      if (cat === undefined)
        throw new DataError(
          {
            op: "write COCO results",
            entry: e,
            field: `classes[${j}]`,
            value: k,
            allowed: `0..${ds.categoryIds.length - 1}`,
          },
          "class index out of range",
        );
      const x1 = d.boxes[j * 4]!;
      const y1 = d.boxes[j * 4 + 1]!;
      out.push({
        image_id: imageId,
        category_id: cat,
        bbox: [x1, y1, d.boxes[j * 4 + 2]! - x1, d.boxes[j * 4 + 3]! - y1],
        score: d.scores[j]!,
      });
    }
  }
  return out;
}

/**
 * Write a COCO json (gt or results) to a file, atomically (temporary file beside it, fsync, rename). An existing
 * `file` is refused with a `DataError` naming it, unless `overwrite: true` replaces it.
 */
export async function writeCocoJson(
  file: string,
  value: CocoGtFile | CocoResult[],
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value), { exclusive: !options.overwrite, op: "writeCocoJson" });
}
