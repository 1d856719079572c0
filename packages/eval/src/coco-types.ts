import { z } from "zod";
import { describeValue } from "./errors";

/**
 * zod schemas of the COCO JSON this package reads (every file goes through them, see load.ts). Error messages
 * say what was expected and show the bad value; load.ts prefixes them with the file and the JSON path
 * (e.g. `dt.json: results[17].score: expected a finite number >= 0, got NaN`).
 * Boxes are COCO [x, y, w, h] in absolute pixels.
 */

/** A finite number (zod 4 numbers reject NaN and ±Infinity). */
const finite = (what = "a finite number") =>
  z.number({ error: (iss) => `expected ${what}, got ${describeValue(iss.input)}` });

/** A finite number >= 0. */
const nonNegative = (what = "a finite number >= 0") =>
  finite(what).min(0, { error: (iss) => `expected ${what}, got ${describeValue(iss.input)}` });

/** A required field with the pycocotools consequence of its absence in the message. */
const required = <T extends z.ZodType>(schema: T, missing: string) =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === undefined) ctx.addIssue({ code: "custom", message: missing });
    })
    .pipe(schema);

/** [x, y, w, h] with w, h >= 0. */
export const CocoBoxSchema = z.tuple(
  [
    finite("a finite number for the box x"),
    finite("a finite number for the box y"),
    nonNegative("a finite number >= 0 for the box width"),
    nonNegative("a finite number >= 0 for the box height"),
  ],
  { error: (iss) => `expected [x, y, width, height] (4 numbers), got ${describeValue(iss.input)}` },
);

const object = (what: string) => ({
  error: (iss: { input?: unknown }) => `expected ${what}, got ${describeValue(iss.input)}`,
});

/** An entry of `images`: only the id is used. */
export const CocoImageSchema = z.looseObject({ id: finite() }, object("an image object {id, ...}"));

/** An entry of `categories`: the id (the K axis) and an optional name for tables. */
export const CocoCategorySchema = z.looseObject(
  { id: finite(), name: z.string().optional() },
  object("a category object {id, name, ...}"),
);

/** A ground-truth annotation: `area` and `iscrowd` are required (pycocotools raises a KeyError without them). */
export const CocoAnnotationSchema = z.looseObject(
  {
    id: finite(),
    image_id: finite(),
    category_id: finite(),
    bbox: CocoBoxSchema,
    area: required(
      finite(),
      "the area field is required for bbox evaluation (pycocotools raises a KeyError)",
    ),
    iscrowd: required(
      z.union([z.literal(0), z.literal(1), z.boolean()], {
        error: (iss) => `expected 0 or 1, got ${describeValue(iss.input)}`,
      }),
      "the iscrowd field is required for bbox evaluation (pycocotools raises a KeyError)",
    ),
    /** Read and then overwritten by iscrowd, as pycocotools does. */
    ignore: z.unknown().optional(),
  },
  object("an annotation object"),
);

const array = (what: string) => ({
  error: (iss: { input?: unknown }) => `expected ${what}, got ${describeValue(iss.input)}`,
});

/** A COCO ground-truth dict; `annotations` may be absent (no gt at all). */
export const CocoGroundTruthSchema = z.looseObject(
  {
    images: z.array(CocoImageSchema, array("an array of images")),
    annotations: z.array(CocoAnnotationSchema, array("an array of annotations")).optional(),
    categories: z.array(CocoCategorySchema, array("an array of categories")),
  },
  object("a COCO ground-truth object {images, annotations, categories}"),
);

/** One entry of a COCO results file (bbox detections). */
export const CocoResultSchema = z.looseObject(
  {
    image_id: finite(),
    category_id: finite(),
    bbox: required(CocoBoxSchema, "the bbox field is required (only bbox results are supported)"),
    score: nonNegative(),
  },
  object("an object {image_id, category_id, bbox, score}"),
);

/** A results file: the list loadRes takes. */
export const CocoResultsSchema = z.array(
  CocoResultSchema,
  array("a JSON array of results [{image_id, category_id, bbox, score}, ...]"),
);

/** Types of the validated JSON. */
export type CocoBox = z.infer<typeof CocoBoxSchema>;
export type CocoImage = z.infer<typeof CocoImageSchema>;
export type CocoCategory = z.infer<typeof CocoCategorySchema>;
export type CocoAnnotation = z.infer<typeof CocoAnnotationSchema>;
export type CocoGroundTruthJson = z.infer<typeof CocoGroundTruthSchema>;
export type CocoResult = z.infer<typeof CocoResultSchema>;

/** `annotations[12].bbox[2]` from a zod issue path; the top level of a results list is named `results`. */
export function formatIssuePath(path: readonly PropertyKey[], root = ""): string {
  let out = root;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}
