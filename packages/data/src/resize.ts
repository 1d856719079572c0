/**
 * Pure-JS resampling of HWC 3-channel images (uint8 or float32).
 */
import type { Image, PixelArray } from "./types";

/** A new zeroed pixel array of the same kind as `like`. */
export function pixelsLike(like: PixelArray, length: number): PixelArray {
  return like instanceof Uint8Array ? new Uint8Array(length) : new Float32Array(length);
}

/**
 * Integer box downsampling by `f` in both directions (mean of each f×f block; the last partial blocks use only
 * the pixels that exist). Output size `ceil(W/f) × ceil(H/f)`.
 */
export function boxDownsample(img: Image, f: number): Image {
  const { width: W, height: H, data } = img;
  const w = Math.ceil(W / f);
  const h = Math.ceil(H / f);
  const out = pixelsLike(data, w * h * 3);
  const acc = new Float64Array(w * 3);
  const round = data instanceof Uint8Array ? 0.5 : 0;
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    const y0 = y * f;
    const y1 = Math.min(H, y0 + f);
    for (let sy = y0; sy < y1; sy++) {
      const row = sy * W * 3;
      for (let x = 0; x < w; x++) {
        const x0 = x * f;
        const x1 = Math.min(W, x0 + f);
        let r = 0,
          g = 0,
          b = 0;
        for (let si = row + x0 * 3, se = row + x1 * 3; si < se; si += 3) {
          r += data[si]!;
          g += data[si + 1]!;
          b += data[si + 2]!;
        }
        acc[x * 3] = acc[x * 3]! + r;
        acc[x * 3 + 1] = acc[x * 3 + 1]! + g;
        acc[x * 3 + 2] = acc[x * 3 + 2]! + b;
      }
    }
    const rows = y1 - y0;
    let o = y * w * 3;
    for (let x = 0; x < w; x++, o += 3) {
      const inv = 1 / (rows * (Math.min(W, x * f + f) - x * f));
      out[o] = acc[x * 3]! * inv + round;
      out[o + 1] = acc[x * 3 + 1]! * inv + round;
      out[o + 2] = acc[x * 3 + 2]! * inv + round;
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}

/**
 * Bilinear resize to `w × h` with half-pixel centres: source x = (x' + 0.5)·W/w − 0.5 (as OpenCV `INTER_LINEAR`,
 * PIL and tf `halfPixelCenters`), so the image edges map to the edges and a box scales exactly by (w/W, h/H).
 * For shrinking by 2× or more, an integer box filter runs first to avoid aliasing.
 */
export function resizeBilinear(img: Image, w: number, h: number): Image {
  if (w === img.width && h === img.height) return { ...img, data: img.data.slice() };
  const f = Math.max(1, Math.floor(Math.min(img.width / w, img.height / h)));
  const src = f >= 2 ? boxDownsample(img, f) : img;
  const { width: W, height: H, data } = src;
  // Downsampled pixel x covers source [x·f, (x+1)·f) (the last block may be partial), so the original image spans
  // [0, W/f) there: scale from the original size so the geometry stays exact.
  const kx = img.width / f / w;
  const ky = img.height / f / h;
  const out = pixelsLike(data, w * h * 3);
  const round = data instanceof Uint8Array ? 0.5 : 0;
  const x0s = new Int32Array(w);
  const x1s = new Int32Array(w);
  const fxs = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    let sx = (x + 0.5) * kx - 0.5;
    if (sx < 0) sx = 0;
    const x0 = Math.min(W - 1, Math.floor(sx));
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(W - 1, x0 + 1) * 3;
    fxs[x] = sx - x0;
  }
  for (let y = 0; y < h; y++) {
    let sy = (y + 0.5) * ky - 0.5;
    if (sy < 0) sy = 0;
    const y0 = Math.min(H - 1, Math.floor(sy));
    const y1 = Math.min(H - 1, y0 + 1);
    const fy = sy - y0;
    const r0 = y0 * W * 3;
    const r1 = y1 * W * 3;
    let o = y * w * 3;
    for (let x = 0; x < w; x++, o += 3) {
      const a = r0 + x0s[x]!;
      const b = r0 + x1s[x]!;
      const c = r1 + x0s[x]!;
      const d = r1 + x1s[x]!;
      const fx = fxs[x]!;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch]! + (data[b + ch]! - data[a + ch]!) * fx;
        const bot = data[c + ch]! + (data[d + ch]! - data[c + ch]!) * fx;
        out[o + ch] = top + (bot - top) * fy + round;
      }
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}

/**
 * Apply an EXIF orientation (1..8) to an image: the stored pixels are transformed so that the result is upright.
 * 2 mirror, 3 rotate 180, 4 flip vertical, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90
 * counter-clockwise (TIFF/EXIF 2.3 tag 0x0112).
 */
export function applyOrientation(img: Image, orientation: number): Image {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: W, height: H, data } = img;
  const swap = orientation >= 5;
  const w = swap ? H : W;
  const h = swap ? W : H;
  const out = pixelsLike(data, data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (x, y) in the output comes from (sx, sy) in the stored image.
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          sx = W - 1 - x;
          sy = y;
          break;
        case 3:
          sx = W - 1 - x;
          sy = H - 1 - y;
          break;
        case 4:
          sx = x;
          sy = H - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = H - 1 - x;
          break;
        case 7:
          sx = W - 1 - y;
          sy = H - 1 - x;
          break;
        default:
          sx = W - 1 - y;
          sy = x;
          break; // 8
      }
      const si = (sy * W + sx) * 3;
      const o = (y * w + x) * 3;
      out[o] = data[si]!;
      out[o + 1] = data[si + 1]!;
      out[o + 2] = data[si + 2]!;
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}
