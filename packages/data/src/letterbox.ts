/**
 * Letterbox: resize keeping the aspect ratio so the image fits `width × height`, then pad (YOLO style).
 *
 * r = min(width/W, height/H); the image becomes round(W·r) × round(H·r) and is pasted at integer offsets
 * left = floor((width − w)/2), top = floor((height − h)/2) on a canvas of `fill`. Boxes map exactly with
 * x' = (w/W)·x + left, y' = (h/H)·y + top (the scale actually used after rounding), and `sample.transform` is
 * composed with this map, so `unmapBoxes(boxes, transform)` returns original coordinates.
 */
import { z } from "zod";
import { composeTransform, mapBoxes } from "./box-transform";
import { parseWith } from "./errors";
import { pixelsLike, resizeBilinear } from "./resize";
import { copyAnnotations } from "./sample-ops";
import type { Sample } from "./types";
import { DEFAULT_FILL, paste } from "./warp";

/** Letterbox options. */
export const LetterboxSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Padding value in 0..255 units. */
  fill: z.number().min(0).max(255).default(DEFAULT_FILL),
  /** Allow enlarging images smaller than the target (default true). */
  scaleUp: z.boolean().default(true),
});
/** Input of `letterbox`. */
export type LetterboxOptions = z.input<typeof LetterboxSchema>;

/** The letterbox geometry for a `W × H` image: resized size and padding offsets. */
export function letterboxGeometry(
  W: number,
  H: number,
  width: number,
  height: number,
  scaleUp = true,
): { w: number; h: number; left: number; top: number } {
  let r = Math.min(width / W, height / H);
  if (!scaleUp) r = Math.min(r, 1);
  const w = Math.max(1, Math.min(width, Math.round(W * r)));
  const h = Math.max(1, Math.min(height, Math.round(H * r)));
  return { w, h, left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2) };
}

/** Letterbox a sample (pure: returns a new sample). */
export function letterbox(sample: Sample, options: LetterboxOptions): Sample {
  const o = parseWith(LetterboxSchema, options, "letterbox");
  const { image } = sample;
  const g = letterboxGeometry(image.width, image.height, o.width, o.height, o.scaleUp);
  const resized = g.w === image.width && g.h === image.height ? image : resizeBilinear(image, g.w, g.h);
  const isU8 = image.data instanceof Uint8Array;
  const canvas = {
    data: pixelsLike(image.data, o.width * o.height * 3),
    width: o.width,
    height: o.height,
    channels: 3 as const,
  };
  canvas.data.fill(isU8 ? o.fill : o.fill / 255);
  paste(canvas, resized, g.left, g.top);
  const map = { sx: g.w / image.width, sy: g.h / image.height, tx: g.left, ty: g.top };
  return {
    ...copyAnnotations(sample),
    imageId: sample.imageId,
    file: sample.file,
    image: canvas,
    boxes: mapBoxes(sample.boxes, map),
    transform: sample.transform ? composeTransform(sample.transform, map) : null,
  };
}
