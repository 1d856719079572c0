/**
 * COCO instances json loader.
 *
 * Layout: one json (`annotations/instances_<split>.json`) with `images`, `annotations`, `categories`, and a folder
 * of images that `file_name` is relative to (`imageDir`, e.g. `<root>/<split>2017`).
 *
 * - Categories are sorted by id and numbered 0..K-1 (the YOLO/torchvision order: COCO's sparse 1..90 → 0..79);
 *   `dataset.categoryIds[k]` maps back. `categories` selects a subset by id or name (others are not loaded; one
 *   `note` counts them).
 * - `bbox [x, y, w, h]` → xyxy `[x, y, x+w, y+h]`; box checks as in `annotation-builder.ts`.
 * - `iscrowd` → `iscrowd = ignore = 1`; an `ignore: 1` field → `ignore = 1`.
 * - Images without annotations are kept with empty arrays.
 * - Reported skips (or errors with `strict`): image entries that fail the schema, escape `imageDir`, are missing,
 *   unreadable or of another size than stated (`checkImages`); annotations that fail the schema, name an unknown
 *   image (`skipped-entry`) or unknown category, or have a bad box (`skipped-box`).
 * - Fatal errors: unreadable or malformed json, a top level without `images`/`categories`, a bad or duplicate
 *   category entry.
 */
import path from "node:path";
import { z } from "zod";
import { AnnotationBuilder, addCheckedBox, DEFAULT_CLIP_TOLERANCE } from "./annotation-builder";
import {
  CocoAnnotationSchema,
  CocoCategorySchema,
  CocoFileSchema,
  CocoImageSchema,
  type CocoCategory,
  type CocoImage,
} from "./coco-schema";
import { createDataset } from "./dataset";
import { DataError, formatZodIssues, noteDuplicateNames, parseWith, ProblemLog } from "./errors";
import { checkImageFile, ImageCheckSchema } from "./image-check";
import { mapLimit, readJson } from "./read-file";
import type { Dataset, DatasetFormat, DecodeOptions, ImageId, SampleRecord } from "./types";

/** Options of `loadCoco`. */
export const CocoOptionsSchema = z.object({
  /** The instances json. */
  annotationFile: z.string().min(1),
  /** Folder the `file_name`s are relative to. */
  imageDir: z.string().min(1),
  /** Keep only these categories (ids or names), in the order of their ids. */
  categories: z.array(z.union([z.number().int(), z.string()])).optional(),
  checkImages: ImageCheckSchema.default("header"),
  /** Throw on the first problem instead of reporting and skipping. */
  strict: z.boolean().default(false),
  /** Follow symbolic links to images outside `imageDir` (refused by default). */
  allowLinksOutside: z.boolean().default(false),
  clipTolerance: z.number().nonnegative().default(DEFAULT_CLIP_TOLERANCE),
  name: z.string().optional(),
});
/** Input of `loadCoco`. */
export type CocoOptions = z.input<typeof CocoOptionsSchema>;

/** Internal extras used by the FLIR loader. */
export interface CocoLoadExtras {
  format?: DatasetFormat;
  op?: string;
  decode?: DecodeOptions;
  /** Rewrite an image's file name before resolving it (FLIR v1 16-bit frames). */
  fileFor?: (image: CocoImage) => Promise<string>;
  /** Category names that count as the same class (e.g. `bike` ≡ `bicycle`). */
  aliases?: Record<string, string>;
}

function selectCategories(
  all: CocoCategory[],
  wanted: (number | string)[] | undefined,
  file: string,
  op: string,
  aliases: Record<string, string>,
): CocoCategory[] {
  const sorted = [...all].sort((a, b) => a.id - b.id);
  if (!wanted) return sorted;
  const norm = (s: string): string => {
    const l = s.trim().toLowerCase();
    return aliases[l] ?? l;
  };
  const picked = wanted.map((w) => {
    const c = sorted.find((c) => (typeof w === "number" ? c.id === w : norm(c.name) === norm(w)));
    if (!c) {
      throw new DataError(
        {
          op,
          file,
          field: "categories",
          value: w,
          allowed: sorted.map((c) => `${c.id}:${c.name}`).join(", "),
        },
        "requested category is not in the file",
      );
    }
    return c;
  });
  return [...new Set(picked)].sort((a, b) => a.id - b.id);
}

/** Load a COCO instances json; see the module comment for the layout and the problem policy. */
export async function loadCoco(options: CocoOptions, extras: CocoLoadExtras = {}): Promise<Dataset> {
  const op = extras.op ?? "load COCO";
  const o = parseWith(CocoOptionsSchema, options, op);
  const file = path.resolve(o.annotationFile);
  const imageDir = path.resolve(o.imageDir);
  const log = new ProblemLog(op, o.strict);
  const top = parseWith(CocoFileSchema, await readJson(file, op), op, file);

  const cats: CocoCategory[] = top.categories.map((c, i) => {
    const r = CocoCategorySchema.safeParse(c);
    if (!r.success)
      throw new DataError(
        { op, file, entry: `categories[${i}]`, value: c },
        `bad category: ${formatZodIssues(r.error)}`,
      );
    return r.data;
  });
  const seen = new Set<number>();
  for (const c of cats) {
    if (seen.has(c.id))
      throw new DataError({ op, file, field: "categories", value: c.id }, "duplicate category id");
    seen.add(c.id);
  }
  noteDuplicateNames(
    cats.map((c) => c.name),
    log,
    file,
    (i) => `categories[${i}]`,
  );
  const selected = selectCategories(cats, o.categories, file, op, extras.aliases ?? {});
  const index = new Map(selected.map((c, k) => [c.id, k]));
  const known = new Set(cats.map((c) => c.id));

  // Images: schema, duplicates, then file checks (in parallel, order kept).
  const images: { img: CocoImage; i: number }[] = [];
  const ids = new Set<ImageId>();
  top.images.forEach((raw, i) => {
    const r = CocoImageSchema.safeParse(raw);
    if (!r.success) {
      log.add({
        file,
        entry: `images[${i}]`,
        value: raw,
        kind: "bad-entry",
        message: `image entry fails the schema: ${formatZodIssues(r.error)}`,
        action: "skipped-image",
      });
      return;
    }
    if (ids.has(r.data.id)) {
      log.add({
        file,
        entry: `images[${i}]`,
        field: "id",
        value: r.data.id,
        kind: "duplicate-id",
        message: "duplicate image id (first entry kept)",
        action: "skipped-image",
      });
      return;
    }
    ids.add(r.data.id);
    images.push({ img: r.data, i });
  });
  const checked = await mapLimit(images, 16, async ({ img, i }) => {
    const name = extras.fileFor ? await extras.fileFor(img) : img.file_name;
    return checkImageFile(
      imageDir,
      name,
      { width: img.width, height: img.height },
      o.checkImages,
      log,
      { file, entry: `images[${i}]`, field: "file_name" },
      o.allowLinksOutside,
    );
  });

  const builders = new Map<ImageId, { b: AnnotationBuilder; w: number; h: number }>();
  images.forEach(({ img }, j) => {
    if (checked[j]) builders.set(img.id, { b: new AnnotationBuilder(), w: img.width, h: img.height });
  });
  let filtered = 0;
  (top.annotations ?? []).forEach((raw, i) => {
    const entry = `annotations[${i}]`;
    const r = CocoAnnotationSchema.safeParse(raw);
    if (!r.success) {
      log.add({
        file,
        entry,
        value: raw,
        kind: "bad-entry",
        message: `annotation fails the schema: ${formatZodIssues(r.error)}`,
        action: "skipped-entry",
      });
      return;
    }
    const a = r.data;
    if (!ids.has(a.image_id)) {
      log.add({
        file,
        entry,
        field: "image_id",
        value: a.image_id,
        kind: "unknown-image",
        message: "annotation refers to an image id not in images",
        action: "skipped-entry",
      });
      return;
    }
    const target = builders.get(a.image_id);
    if (!target) return; // its image was skipped (and reported) above
    if (!known.has(a.category_id)) {
      log.add({
        file,
        entry,
        field: "category_id",
        value: a.category_id,
        kind: "unknown-category",
        message: "category id not in categories",
        action: "skipped-box",
      });
      return;
    }
    const k = index.get(a.category_id);
    if (k === undefined) {
      filtered++;
      return;
    }
    const [x, y, w, h] = a.bbox;
    const crowd = a.iscrowd === 1 || a.iscrowd === true;
    const ign = a.ignore === 1 || a.ignore === true;
    addCheckedBox(
      target.b,
      [x, y, x + w, y + h],
      { width: target.w, height: target.h },
      k,
      a.category_id,
      { iscrowd: crowd, ignore: crowd || ign },
      log,
      { file, entry, field: "bbox" },
      o.clipTolerance,
    );
  });
  if (filtered > 0) {
    log.add({
      file,
      kind: "category-filter",
      message: `${filtered} annotations of categories not selected were not loaded`,
      action: "note",
      value: filtered,
    });
  }

  const records: SampleRecord[] = [];
  images.forEach(({ img }, j) => {
    const c = checked[j];
    const t = builders.get(img.id);
    if (!c || !t) return;
    records.push({ imageId: img.id, file: c.file, width: img.width, height: img.height, ...t.b.build() });
  });
  return createDataset({
    name: o.name ?? path.basename(file, ".json"),
    format: extras.format ?? "coco",
    root: imageDir,
    classNames: selected.map((c) => c.name),
    categoryIds: selected.map((c) => c.id),
    records,
    report: log.report(),
    decode: extras.decode,
  });
}
