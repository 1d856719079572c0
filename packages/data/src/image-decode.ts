/**
 * Decoding JPEG, PNG and TIFF files into 3-channel HWC images.
 *
 * Two decoders with the same contract:
 * - `sharp` (default): libvips with mozjpeg/spng/libtiff from sharp's prebuilt platform package; shrinks with its
 *   own (Lanczos) resampler when `maxSide` asks for it;
 * - `js`: pure JS fallback, jpeg-js / pngjs / utif, EXIF orientation applied in JS, bilinear resize.
 * Both: grayscale is expanded to 3 identical channels, alpha is dropped (not composited), EXIF orientation is applied
 * (JPEG), 8-bit images become `Uint8Array`, 16-bit images follow `highBitDepth`. Pixel values of the two decoders
 * differ slightly (different IDCTs and resamplers); use one decoder per run.
 * A truncated or corrupt file throws a `DataError` naming the file (sharp runs with `failOn: "warning"`, jpeg-js
 * without tolerant decoding); `tolerant: true` accepts files the decoders only warn about.
 */
import { readFile } from "node:fs/promises";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import UTIF from "utif";
import { DataError } from "./errors";
import { parseImageHeader, type ImageHeader } from "./image-header";
import { applyOrientation, resizeBilinear } from "./resize";
import type { DecodeOptions, HighBitDepth, Image, PixelArray } from "./types";

type SharpModule = typeof import("sharp");
let sharpModule: SharpModule | null | undefined;

/** Load sharp once; `null` when its native platform package is not installed or fails to load. */
export async function loadSharp(): Promise<SharpModule | null> {
  if (sharpModule === undefined) {
    try {
      const m = (await import("sharp")) as unknown as { default?: SharpModule };
      sharpModule = (m.default ?? (m as unknown as SharpModule)) as SharpModule;
      sharpModule.cache(false);
    } catch {
      sharpModule = null;
    }
  }
  return sharpModule;
}

/** The decoder used when none is asked for: `sharp` if it loads, else `js`. */
export async function defaultDecoder(): Promise<"sharp" | "js"> {
  return (await loadSharp()) ? "sharp" : "js";
}

/** Target size for "longer side at most `maxSide`": `round(W·r) × round(H·r)`, r = maxSide / max(W, H), r < 1 only. */
export function shrinkSize(
  width: number,
  height: number,
  maxSide: number | undefined,
): { width: number; height: number } {
  if (maxSide === undefined || Math.max(width, height) <= maxSide) return { width, height };
  const r = maxSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * r)), height: Math.max(1, Math.round(height * r)) };
}

/** Convert 16-bit samples (3 channels) to pixels. float: v/65535; stretch: (v−min)/(max−min); uint8: round(v/257). */
export function from16Bit(v: Uint16Array, mode: HighBitDepth): PixelArray {
  if (mode === "uint8") {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = (v[i]! + 128.5) / 257;
    return out;
  }
  const out = new Float32Array(v.length);
  let lo = 0;
  let scale = 1 / 65535;
  if (mode === "stretch") {
    let mn = 65535;
    let mx = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    lo = mn;
    scale = mx > mn ? 1 / (mx - mn) : 0;
  }
  for (let i = 0; i < v.length; i++) out[i] = (v[i]! - lo) * scale;
  return out;
}

async function decodeSharp(
  bytes: Uint8Array,
  h: ImageHeader,
  o: Required<Omit<DecodeOptions, "maxSide">> & DecodeOptions,
): Promise<Image> {
  const sharp = await loadSharp();
  if (!sharp)
    throw new Error(
      "decoder 'sharp': sharp is not installed or its native platform package did not load (it is an optional peer dependency of @kdet/data: npm install sharp@^0.34.5), or use decoder 'js'",
    );
  let p = sharp(bytes, { failOn: o.tolerant ? "none" : "warning", limitInputPixels: 1 << 28 });
  if (o.autoOrient && h.orientation > 1) p = p.rotate();
  const ow = o.autoOrient ? h.width : h.rawWidth;
  const oh = o.autoOrient ? h.height : h.rawHeight;
  const t = shrinkSize(ow, oh, o.maxSide);
  if (t.width !== ow || t.height !== oh) p = p.resize(t.width, t.height, { fit: "fill" });
  p = p.removeAlpha();
  const deep = h.bitDepth > 8;
  const { data, info } = await (deep
    ? p.toColourspace("rgb16").raw({ depth: "ushort" })
    : p.toColourspace("srgb").raw()
  ).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`sharp returned ${info.channels} channels`);
  const pixels = deep
    ? from16Bit(
        new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
        o.highBitDepth,
      )
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { data: pixels, width: info.width, height: info.height, channels: 3 };
}

/** Drop alpha / expand gray from `c`-channel samples to 3 channels. */
function toRgb<T extends Uint8Array | Uint16Array>(src: ArrayLike<number>, n: number, c: number, out: T): T {
  for (let i = 0; i < n; i++) {
    if (c >= 3) {
      out[i * 3] = src[i * c]!;
      out[i * 3 + 1] = src[i * c + 1]!;
      out[i * 3 + 2] = src[i * c + 2]!;
    } else {
      const g = src[i * c]!;
      out[i * 3] = g;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = g;
    }
  }
  return out;
}

function decodeJsRaw(bytes: Uint8Array, h: ImageHeader, mode: HighBitDepth, tolerant: boolean): Image {
  const n = h.rawWidth * h.rawHeight;
  const img = (data: PixelArray): Image => ({ data, width: h.rawWidth, height: h.rawHeight, channels: 3 });
  if (h.format === "jpeg") {
    const d = jpeg.decode(bytes, {
      formatAsRGBA: false,
      useTArray: true,
      tolerantDecoding: tolerant,
      maxMemoryUsageInMB: 2048,
    });
    if (d.data.length !== n * 3)
      throw new Error(`jpeg-js returned ${d.data.length} bytes for ${h.rawWidth}x${h.rawHeight}`);
    return img(d.data);
  }
  if (h.format === "png") {
    const p = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      skipRescale: true,
    });
    // pngjs always returns 4 channels (gray expanded, alpha 255/65535 added); 16-bit data comes as Uint16Array.
    if (p.data instanceof Uint16Array)
      return img(from16Bit(toRgb(p.data, n, 4, new Uint16Array(n * 3)), mode));
    return img(toRgb(p.data, n, 4, new Uint8Array(n * 3)));
  }
  const ifds = UTIF.decode(bytes);
  const ifd = ifds[0];
  if (!ifd) throw new Error("TIFF without image directory");
  UTIF.decodeImage(bytes, ifd);
  const bps = Number((ifd["t258"] as number[] | undefined)?.[0] ?? 1);
  const spp = Number((ifd["t277"] as number[] | undefined)?.[0] ?? 1);
  const raw = ifd.data as Uint8Array;
  if (bps === 16) {
    const le = bytes[0] === 0x49;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (raw.byteLength < n * spp * 2) throw new Error(`TIFF strip data too short (${raw.byteLength} bytes)`);
    const v = new Uint16Array(n * spp);
    for (let i = 0; i < v.length; i++) v[i] = dv.getUint16(i * 2, le);
    return img(from16Bit(toRgb(v, n, spp, new Uint16Array(n * 3)), mode));
  }
  const rgba = UTIF.toRGBA8(ifd);
  return img(toRgb(rgba, n, 4, new Uint8Array(n * 3)));
}

/**
 * Decode an image file or in-memory bytes into a 3-channel HWC image, oriented and optionally shrunk so that its
 * longer side is at most `maxSide` (size `shrinkSize(W, H, maxSide)`, the same for both decoders).
 */
export async function decodeImage(
  input: string | Uint8Array,
  options: DecodeOptions = {},
  name?: string,
): Promise<Image> {
  const file = name ?? (typeof input === "string" ? input : "<buffer>");
  let bytes: Uint8Array;
  if (typeof input === "string") {
    try {
      bytes = await readFile(input);
    } catch (e) {
      throw new DataError(
        { op: "decode image", file },
        `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  } else bytes = input;
  const h = parseImageHeader(bytes, file);
  const o = {
    decoder: options.decoder ?? (await defaultDecoder()),
    autoOrient: options.autoOrient ?? true,
    highBitDepth: options.highBitDepth ?? "float",
    maxSide: options.maxSide,
    tolerant: options.tolerant ?? false,
  };
  try {
    if (o.decoder === "sharp") return await decodeSharp(bytes, h, o);
    let img = decodeJsRaw(bytes, h, o.highBitDepth, o.tolerant);
    if (o.autoOrient) img = applyOrientation(img, h.orientation);
    const t = shrinkSize(img.width, img.height, o.maxSide);
    return t.width === img.width && t.height === img.height ? img : resizeBilinear(img, t.width, t.height);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      { op: "decode image", file },
      `${o.decoder} could not decode this ${h.format} (${h.rawWidth}x${h.rawHeight}): ${(e as Error).message}`,
      { cause: e },
    );
  }
}
