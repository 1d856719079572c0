/**
 * HSV colour jitter (after YOLOv5's `augment_hsv`, with an additive hue shift instead of its multiplicative one):
 * per image, dh ~ U(−h, h), gs ~ 1 + U(−s, s), gv ~ 1 + U(−v, v); every pixel goes RGB → HSV (H in [0, 1)),
 * H' = frac(H + dh), S' = min(1, S·gs), V' = min(1, V·gv), → RGB. Boxes are untouched.
 */
import { z } from "zod";
import { parseWith } from "./errors";
import type { Rng } from "./rng";
import { pixelsLike } from "./resize";
import { copyAnnotations } from "./sample-ops";
import type { Image, Sample } from "./types";

/** HSV gains (YOLOv5 defaults 0.015, 0.7, 0.4). */
export const HsvSchema = z.object({
  h: z.number().min(0).max(0.5).default(0.015),
  s: z.number().min(0).max(1).default(0.7),
  v: z.number().min(0).max(1).default(0.4),
});
/** Input of `hsvJitter`. */
export type HsvOptions = z.input<typeof HsvSchema>;

/** Apply fixed HSV changes to an image (pure). */
export function adjustHsv(img: Image, dh: number, gs: number, gv: number): Image {
  const { data } = img;
  const out = pixelsLike(data, data.length);
  const isU8 = data instanceof Uint8Array;
  const k = isU8 ? 1 / 255 : 1;
  const back = isU8 ? 255 : 1;
  const round = isU8 ? 0.5 : 0;
  const shift6 = (((dh % 1) + 1) % 1) * 6; // hue shift in sextants
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]! * k,
      g = data[i + 1]! * k,
      b = data[i + 2]! * k;
    const mx = r > g ? Math.max(r, b) : Math.max(g, b);
    const mn = r < g ? Math.min(r, b) : Math.min(g, b);
    const d = mx - mn;
    let v = mx * gv;
    if (v > 1) v = 1;
    if (d === 0) {
      // grey: hue and saturation are irrelevant
      out[i] = out[i + 1] = out[i + 2] = v * back + round;
      continue;
    }
    let s = (d / mx) * gs;
    if (s > 1) s = 1;
    // hue in sextants [0, 6)
    let h6 = mx === r ? (g - b) / d : mx === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h6 += shift6;
    if (h6 < 0) h6 += 6;
    if (h6 >= 6) h6 -= 6;
    if (h6 >= 6) h6 -= 6;
    const sec = h6 | 0;
    const f = h6 - sec;
    const p = v * (1 - s),
      q = v * (1 - s * f),
      t = v * (1 - s * (1 - f));
    let R: number, G: number, B: number;
    if (sec === 0) {
      R = v;
      G = t;
      B = p;
    } else if (sec === 1) {
      R = q;
      G = v;
      B = p;
    } else if (sec === 2) {
      R = p;
      G = v;
      B = t;
    } else if (sec === 3) {
      R = p;
      G = q;
      B = v;
    } else if (sec === 4) {
      R = t;
      G = p;
      B = v;
    } else {
      R = v;
      G = p;
      B = q;
    }
    out[i] = R * back + round;
    out[i + 1] = G * back + round;
    out[i + 2] = B * back + round;
  }
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

/** Random HSV jitter of a sample (3 draws from `rng`; pure). */
export function hsvJitter(sample: Sample, rng: Rng, options: HsvOptions = {}): Sample {
  const o = parseWith(HsvSchema, options, "HSV jitter");
  const dh = rng.uniform(-o.h, o.h);
  const gs = 1 + rng.uniform(-o.s, o.s);
  const gv = 1 + rng.uniform(-o.v, o.v);
  return { ...sample, ...copyAnnotations(sample), image: adjustHsv(sample.image, dh, gs, gv) };
}
