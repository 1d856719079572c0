import { z } from "zod";

/**
 * zod schemas of the COCO JSON this package reads. They document the accepted input and can be used on their own
 * (`CocoResultSchema.array().parse(x)`); the loaders in load.ts apply the same rules with a hand-written loop
 * (zod is ~25x slower on 500k results) and error messages that name the file, the entry index and the field.
 */

const finite = z.number(); // zod 4 numbers reject NaN and ±Infinity
const nonNeg = finite.nonnegative();

/** [x, y, w, h] with w, h >= 0. */
export const CocoBoxSchema = z.tuple([finite, finite, nonNeg, nonNeg]);

export const CocoImageSchema = z
  .object({ id: finite, file_name: z.string().optional(), width: z.number().optional(), height: z.number().optional() })
  .loose();

export const CocoCategorySchema = z
  .object({ id: finite, name: z.string().optional(), supercategory: z.string().optional() })
  .loose();

/** A ground-truth annotation: `area` and `iscrowd` are required (pycocotools raises a KeyError without them). */
export const CocoAnnotationSchema = z
  .object({
    id: finite,
    image_id: finite,
    category_id: finite,
    bbox: CocoBoxSchema,
    area: finite,
    iscrowd: z.union([z.literal(0), z.literal(1), z.boolean()]),
    /** Read and then overwritten by iscrowd, as pycocotools does. */
    ignore: z.unknown().optional(),
  })
  .loose();

export const CocoGroundTruthSchema = z
  .object({
    images: z.array(CocoImageSchema),
    annotations: z.array(CocoAnnotationSchema).optional(),
    categories: z.array(CocoCategorySchema),
    info: z.unknown().optional(),
  })
  .loose();

/** One entry of a COCO results file (bbox detections). */
export const CocoResultSchema = z
  .object({ image_id: finite, category_id: finite, bbox: CocoBoxSchema, score: nonNeg })
  .loose();

export type CocoBox = z.infer<typeof CocoBoxSchema>;
export type CocoImage = z.infer<typeof CocoImageSchema>;
export type CocoCategory = z.infer<typeof CocoCategorySchema>;
export type CocoAnnotation = z.infer<typeof CocoAnnotationSchema>;
export type CocoGroundTruthJson = z.infer<typeof CocoGroundTruthSchema>;
export type CocoResult = z.infer<typeof CocoResultSchema>;
