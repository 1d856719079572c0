/**
 * Mosaic of 4 images (Bochkovskiy et al., YOLOv4, 2020; layout of YOLOv5's `load_mosaic`).
 *
 * Each input is first resized so its longer side is `size`. On a `2·size × 2·size` canvas of `fill`, a centre
 * (xc, yc) ~ U(size/2, 3·size/2)² is drawn; image 0 is placed with its bottom-right corner at the centre, image 1
 * bottom-left, image 2 top-right, image 3 top-left, each cut at the canvas edge. Boxes are shifted by the same
 * integer offsets, then clipped to the canvas and filtered. The result is `2·size` square: follow it with
 * `randomAffine` (`fit: false`, output `size`) to get back to `size`, as YOLOv5 does. `transform` is `null` and
 * `imageId`/`file` are those of the first input.
 */
import { z } from "zod";
import { BoxFilterSchema, clipAndFilterBoxes } from "./box-filter";
import { mapBoxes } from "./box-transform";
import { DataError, parseWith } from "./errors";
import type { Rng } from "./rng";
import { pixelsLike, resizeBilinear } from "./resize";
import { concatAnnotations, selectBoxes } from "./sample-ops";
import type { Sample } from "./types";
import { DEFAULT_FILL, paste } from "./warp";

/** Mosaic options. */
export const MosaicSchema = z.object({
  /** Tile size: each image's longer side; the canvas is 2·size. */
  size: z.number().int().positive(),
  fill: z.number().min(0).max(255).default(DEFAULT_FILL),
  filter: BoxFilterSchema.default(BoxFilterSchema.parse({})),
});
/** Input of `mosaic4`. */
export type MosaicOptions = z.input<typeof MosaicSchema>;

/** Combine 4 samples into one `2·size` mosaic (2 draws from `rng`; pure). */
export function mosaic4(samples: readonly Sample[], rng: Rng, options: MosaicOptions): Sample {
  const o = parseWith(MosaicSchema, options, "mosaic");
  if (samples.length !== 4)
    throw new DataError(
      { op: "mosaic", value: samples.length, allowed: "4" },
      "mosaic needs exactly 4 samples",
    );
  const S = o.size;
  const C = 2 * S;
  const first = samples[0]!;
  const isU8 = first.image.data instanceof Uint8Array;
  if (samples.some((s) => s.image.data instanceof Uint8Array !== isU8))
    throw new DataError({ op: "mosaic" }, "all 4 images must have the same pixel type");
  const canvas = { data: pixelsLike(first.image.data, C * C * 3), width: C, height: C, channels: 3 as const };
  canvas.data.fill(isU8 ? o.fill : o.fill / 255);
  const xc = Math.floor(rng.uniform(S / 2, (3 * S) / 2));
  const yc = Math.floor(rng.uniform(S / 2, (3 * S) / 2));
  const parts = samples.map((s, i) => {
    const { width: W, height: H } = s.image;
    const r = S / Math.max(W, H);
    const w = Math.max(1, Math.round(W * r));
    const h = Math.max(1, Math.round(H * r));
    const img = w === W && h === H ? s.image : resizeBilinear(s.image, w, h);
    const left = i === 0 || i === 2 ? xc - w : xc;
    const top = i === 0 || i === 1 ? yc - h : yc;
    paste(canvas, img, left, top);
    const moved = mapBoxes(s.boxes, { sx: w / W, sy: h / H, tx: left, ty: top });
    return selectBoxes(
      s,
      Array.from({ length: s.classes.length }, (_, j) => j),
      moved,
    );
  });
  const all = concatAnnotations(parts);
  return {
    ...clipAndFilterBoxes(all, C, C, o.filter),
    imageId: first.imageId,
    file: first.file,
    image: canvas,
    transform: null,
  };
}
