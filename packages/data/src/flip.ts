/**
 * Horizontal flip: pixel column c → W − 1 − c, box x → W − x (so [x1, x2] → [W − x2, W − x1]).
 * Flipping twice is the identity for pixels and the transform, and for float32 boxes up to one rounding (≤ W·2⁻²³).
 */
import { z } from "zod";
import { composeTransform, mapBoxes } from "./box-transform";
import { parseWith } from "./errors";
import type { Rng } from "./rng";
import { pixelsLike } from "./resize";
import { copyAnnotations } from "./sample-ops";
import type { Sample } from "./types";

/** Flip a sample horizontally (pure). */
export function hflip(sample: Sample): Sample {
  const { width: W, height: H, data } = sample.image;
  const out = pixelsLike(data, data.length);
  for (let y = 0; y < H; y++) {
    const row = y * W * 3;
    for (let x = 0; x < W; x++) {
      const s = row + x * 3;
      const d = row + (W - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  const map = { sx: -1, sy: 1, tx: W, ty: 0 };
  return {
    ...copyAnnotations(sample),
    imageId: sample.imageId,
    file: sample.file,
    image: { data: out, width: W, height: H, channels: 3 },
    boxes: mapBoxes(sample.boxes, map),
    transform: sample.transform ? composeTransform(sample.transform, map) : null,
  };
}

/** Random flip options: probability `p`. */
export const FlipSchema = z.object({ p: z.number().min(0).max(1).default(0.5) });
/** Input of `randomHFlip`. */
export type FlipOptions = z.input<typeof FlipSchema>;

/** Flip with probability `p` (one draw from `rng`); returns the input sample unchanged otherwise. */
export function randomHFlip(sample: Sample, rng: Rng, options: FlipOptions = {}): Sample {
  const o = parseWith(FlipSchema, options, "random flip");
  return rng.chance(o.p) ? hflip(sample) : sample;
}
