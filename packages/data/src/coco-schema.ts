/**
 * zod schemas of the COCO instances json (cocodataset.org/#format-data), the fields kdet reads.
 * Boxes in the file are `[x, y, w, h]` in pixels; kdet converts them to xyxy on reading.
 */
import { z } from "zod";

/** A COCO image id: an integer (pycocotools) or a string (some exporters). */
export const CocoImageIdSchema = z.union([z.number().int(), z.string().min(1)]);

/** The top level: `images`, `categories` and (except in image-info files) `annotations`. */
export const CocoFileSchema = z.object({
  images: z.array(z.unknown()),
  annotations: z.array(z.unknown()).optional(),
  categories: z.array(z.unknown()).min(1),
});

/** One `images` entry. */
export const CocoImageSchema = z.object({
  id: CocoImageIdSchema,
  file_name: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type CocoImage = z.infer<typeof CocoImageSchema>;

/** One `categories` entry. */
export const CocoCategorySchema = z.object({
  id: z.number().int(),
  name: z.string().min(1),
  supercategory: z.string().optional(),
});
export type CocoCategory = z.infer<typeof CocoCategorySchema>;

/** One `annotations` entry (`iscrowd` 0/1; `ignore` as some COCO-style datasets add it). */
export const CocoAnnotationSchema = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  image_id: CocoImageIdSchema,
  category_id: z.number().int(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  iscrowd: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
  ignore: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
  area: z.number().optional(),
});
export type CocoAnnotation = z.infer<typeof CocoAnnotationSchema>;

/** A ground-truth file as kdet writes it (and `@kdet/eval` reads it). */
export interface CocoGtFile {
  info?: Record<string, unknown>;
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0 | 1;
    ignore?: 0 | 1;
  }[];
  categories: { id: number; name: string; supercategory?: string }[];
}

/** One detection in a COCO results list (`bbox` xywh, original image pixels). */
export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}
