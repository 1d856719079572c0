/**
 * Random scale/translate affine onto a fixed canvas (the scale/translate part of YOLOv5's `random_perspective`;
 * no rotation or shear, so axis-aligned boxes stay exact).
 *
 * With r0 = min(width/W, height/H) (fit the image in the canvas), s ~ U(scale[0], scale[1]) and
 * (u, v) ~ U(−translate, translate)²:
 *   x' = s·r0·(x − W/2) + width/2 + u·width,   y' = s·r0·(y − H/2) + height/2 + v·height,
 * with the offset rounded to whole pixels; `flip` then mirrors x' → width − x'. Boxes are mapped with the same
 * formula, then clipped and filtered (`box-filter.ts`).
 */
import { z } from "zod";
import { BoxFilterSchema, clipAndFilterBoxes } from "./box-filter";
import { composeTransform, mapBoxes } from "./box-transform";
import { parseWith } from "./errors";
import type { Rng } from "./rng";
import type { Sample } from "./types";
import { DEFAULT_FILL, warpScaleTranslate } from "./warp";

/** Affine options. */
export const AffineSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Scale range relative to fitting the canvas (YOLOv5 `scale: 0.5` ≙ [0.5, 1.5]). */
  scale: z.tuple([z.number().positive(), z.number().positive()]).default([0.5, 1.5]),
  /** Translation as a fraction of the canvas size (YOLOv5: 0.1). */
  translate: z.number().min(0).max(1).default(0.1),
  fill: z.number().min(0).max(255).default(DEFAULT_FILL),
  /** Whether to fit the input to the canvas first (false: r0 = 1, e.g. for a 2×-size mosaic). */
  fit: z.boolean().default(true),
  /** Mirror the output horizontally (x' → width − x'), folded into the same warp (no extra pass). */
  flip: z.boolean().default(false),
  filter: BoxFilterSchema.default(BoxFilterSchema.parse({})),
});
/** Input of `randomAffine`. */
export type AffineOptions = z.input<typeof AffineSchema>;

/** The map of one affine draw (3 draws from `rng`: scale, u, v). */
export function drawAffine(
  W: number,
  H: number,
  rng: Rng,
  o: z.output<typeof AffineSchema>,
): { sx: number; sy: number; tx: number; ty: number } {
  const r0 = o.fit ? Math.min(o.width / W, o.height / H) : 1;
  const s = rng.uniform(o.scale[0], o.scale[1]) * r0;
  const u = rng.uniform(-o.translate, o.translate);
  const v = rng.uniform(-o.translate, o.translate);
  const tx = Math.round(o.width / 2 + u * o.width - (s * W) / 2);
  const ty = Math.round(o.height / 2 + v * o.height - (s * H) / 2);
  return o.flip ? { sx: -s, sy: s, tx: o.width - tx, ty } : { sx: s, sy: s, tx, ty };
}

/** Random scale/translate a sample onto a `width × height` canvas (pure). */
export function randomAffine(sample: Sample, rng: Rng, options: AffineOptions): Sample {
  const o = parseWith(AffineSchema, options, "random affine");
  const { image } = sample;
  const map = drawAffine(image.width, image.height, rng, o);
  const warped = warpScaleTranslate(image, map.sx, map.sy, map.tx, map.ty, o.width, o.height, o.fill);
  const moved = { ...sample, boxes: mapBoxes(sample.boxes, map) };
  return {
    ...clipAndFilterBoxes(moved, o.width, o.height, o.filter),
    imageId: sample.imageId,
    file: sample.file,
    image: warped,
    transform: sample.transform ? composeTransform(sample.transform, map) : null,
  };
}
