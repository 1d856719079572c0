/**
 * Scale + translate warp of an HWC image onto a new canvas, with bilinear sampling.
 *
 * Geometry (continuous pixel coordinates, pixel (c, r) covers [c, c+1) × [r, r+1)):
 * x' = sx·x + tx, y' = sy·y + ty. Output pixel centre (x'+0.5) samples the source at ((x'+0.5−tx)/sx − 0.5) in
 * pixel-centre terms, so a box `[x1, y1, x2, y2]` maps exactly with the same formula. Output pixels whose centre
 * maps outside the source image get the fill value; inside, neighbours are clamped at the border.
 */
import { pixelsLike } from "./resize";
import type { Image } from "./types";

/** Fill value in 0..255 units (114 is the YOLO grey); float images get fill/255. */
export const DEFAULT_FILL = 114;

function axisTable(
  outLen: number,
  inLen: number,
  s: number,
  t: number,
): { i0: Int32Array; i1: Int32Array; f: Float32Array; ok: Uint8Array } {
  const i0 = new Int32Array(outLen);
  const i1 = new Int32Array(outLen);
  const f = new Float32Array(outLen);
  const ok = new Uint8Array(outLen);
  for (let x = 0; x < outLen; x++) {
    const c = (x + 0.5 - t) / s; // continuous source coordinate of this output centre
    if (c < 0 || c >= inLen) continue;
    let p = c - 0.5;
    if (p < 0) p = 0;
    if (p > inLen - 1) p = inLen - 1;
    const a = Math.floor(p);
    i0[x] = a;
    i1[x] = Math.min(inLen - 1, a + 1);
    f[x] = p - a;
    ok[x] = 1;
  }
  return { i0, i1, f, ok };
}

/** Warp `img` by x' = sx·x + tx, y' = sy·y + ty onto an `outW × outH` canvas filled with `fill` (0..255 units). */
export function warpScaleTranslate(
  img: Image,
  sx: number,
  sy: number,
  tx: number,
  ty: number,
  outW: number,
  outH: number,
  fill = DEFAULT_FILL,
): Image {
  const { width: W, height: H, data } = img;
  const out = pixelsLike(data, outW * outH * 3);
  const isU8 = data instanceof Uint8Array;
  const fv = isU8 ? fill : fill / 255;
  out.fill(fv);
  const round = isU8 ? 0.5 : 0;
  const X = axisTable(outW, W, sx, tx);
  const Y = axisTable(outH, H, sy, ty);
  let x0 = 0;
  while (x0 < outW && !X.ok[x0]) x0++;
  let x1 = outW;
  while (x1 > x0 && !X.ok[x1 - 1]) x1--;
  for (let y = 0; y < outH; y++) {
    if (!Y.ok[y]) continue;
    const r0 = Y.i0[y]! * W * 3;
    const r1 = Y.i1[y]! * W * 3;
    const fy = Y.f[y]!;
    let o = (y * outW + x0) * 3;
    for (let x = x0; x < x1; x++, o += 3) {
      const a = r0 + X.i0[x]! * 3;
      const b = r0 + X.i1[x]! * 3;
      const c = r1 + X.i0[x]! * 3;
      const d = r1 + X.i1[x]! * 3;
      const fx = X.f[x]!;
      const a0 = data[a]!,
        a1 = data[a + 1]!,
        a2 = data[a + 2]!;
      const c0 = data[c]!,
        c1 = data[c + 1]!,
        c2 = data[c + 2]!;
      const t0 = a0 + (data[b]! - a0) * fx,
        t1 = a1 + (data[b + 1]! - a1) * fx,
        t2 = a2 + (data[b + 2]! - a2) * fx;
      const u0 = c0 + (data[d]! - c0) * fx,
        u1 = c1 + (data[d + 1]! - c1) * fx,
        u2 = c2 + (data[d + 2]! - c2) * fx;
      out[o] = t0 + (u0 - t0) * fy + round;
      out[o + 1] = t1 + (u1 - t1) * fy + round;
      out[o + 2] = t2 + (u2 - t2) * fy + round;
    }
  }
  return { data: out, width: outW, height: outH, channels: 3 };
}

/** Copy `src` into `dst` with its top-left corner at integer (left, top); parts outside `dst` are cut. */
export function paste(dst: Image, src: Image, left: number, top: number): void {
  const xa = Math.max(0, left);
  const xb = Math.min(dst.width, left + src.width);
  if (xb <= xa) return;
  for (let y = Math.max(0, top); y < Math.min(dst.height, top + src.height); y++) {
    const s = ((y - top) * src.width + (xa - left)) * 3;
    dst.data.set(src.data.subarray(s, s + (xb - xa) * 3), (y * dst.width + xa) * 3);
  }
}
