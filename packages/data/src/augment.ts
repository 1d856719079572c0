/**
 * The training augmentation pipeline, one pure function of (samples, rng, config) → a `size × size` sample:
 *   [mosaic of 4 with probability `mosaic`] → random scale/translate (or plain letterbox when `affine` is false)
 *   → horizontal flip with probability `flip` (folded into the affine warp) → HSV jitter (unless `hsv` is false).
 * Every step maps boxes exactly, then clips and filters them (`box-filter.ts`).
 */
import { z } from "zod";
import { randomAffine } from "./affine";
import { BoxFilterSchema } from "./box-filter";
import { parseWith } from "./errors";
import { randomHFlip } from "./flip";
import { HsvSchema, hsvJitter } from "./hsv";
import { letterbox } from "./letterbox";
import { mosaic4 } from "./mosaic";
import type { Rng } from "./rng";
import type { Sample } from "./types";
import { DEFAULT_FILL } from "./warp";

/** Augmentation config (YOLOv5-like defaults; `mosaic` is off unless asked for). */
export const AugmentSchema = z.object({
  /** Output is `size × size`. */
  size: z.number().int().positive(),
  /** Probability of a 4-image mosaic (needs 3 partner samples). */
  mosaic: z.number().min(0).max(1).default(0),
  /** Random scale/translate, or false for a plain letterbox. */
  affine: z
    .union([
      z.literal(false),
      z.object({
        scale: z.tuple([z.number().positive(), z.number().positive()]).default([0.5, 1.5]),
        translate: z.number().min(0).max(1).default(0.1),
      }),
    ])
    .default({ scale: [0.5, 1.5], translate: 0.1 }),
  /** Probability of a horizontal flip. */
  flip: z.number().min(0).max(1).default(0.5),
  hsv: z.union([z.literal(false), HsvSchema]).default(HsvSchema.parse({})),
  fill: z.number().min(0).max(255).default(DEFAULT_FILL),
  filter: BoxFilterSchema.default(BoxFilterSchema.parse({})),
});
/** Input of `augmentSample`. */
export type AugmentOptions = z.input<typeof AugmentSchema>;
/** Parsed augmentation config. */
export type AugmentConfig = z.output<typeof AugmentSchema>;

/** Whether this draw wants a mosaic (1 draw from `rng`, always taken so the stream stays aligned). */
export function wantsMosaic(rng: Rng, cfg: Pick<AugmentConfig, "mosaic">): boolean {
  const u = rng.next();
  return u < cfg.mosaic;
}

/**
 * Augment one sample. `partners` (3 samples) are used when `useMosaic` is true. Pure: inputs are not modified.
 * Pass a parsed config (`AugmentSchema.parse`) in hot loops to skip re-validation.
 */
export function augmentSample(
  sample: Sample,
  rng: Rng,
  options: AugmentOptions | AugmentConfig,
  useMosaic = false,
  partners: readonly Sample[] = [],
): Sample {
  const cfg = parseWith(AugmentSchema, options, "augment");
  const S = cfg.size;
  let s: Sample;
  if (useMosaic || cfg.affine !== false) {
    // The flip is drawn first and folded into the affine warp (one pass over the pixels).
    const flip = cfg.flip > 0 && rng.chance(cfg.flip);
    const src = useMosaic
      ? mosaic4([sample, ...partners], rng, { size: S, fill: cfg.fill, filter: cfg.filter })
      : sample;
    const aff = cfg.affine === false ? { scale: [1, 1] as [number, number], translate: 0 } : cfg.affine;
    s = randomAffine(src, rng, {
      width: S,
      height: S,
      scale: aff.scale,
      translate: aff.translate,
      fill: cfg.fill,
      fit: !useMosaic,
      flip,
      filter: cfg.filter,
    });
  } else {
    s = letterbox(sample, { width: S, height: S, fill: cfg.fill });
    if (cfg.flip > 0) s = randomHFlip(s, rng, { p: cfg.flip });
  }
  if (cfg.hsv !== false) s = hsvJitter(s, rng, cfg.hsv);
  return s;
}
