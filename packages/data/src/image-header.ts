/**
 * Image headers without decoding: format sniffing (magic bytes), size, bit depth and EXIF orientation for JPEG,
 * PNG and TIFF. Pure JS, reads only the first bytes of a file, so loaders can learn image sizes fast and both
 * decoders agree on the oriented size.
 */
import { open } from "node:fs/promises";
import { DataError } from "./errors";

/** Image container formats kdet decodes. */
export type ImageFormat = "jpeg" | "png" | "tiff";

/** What the header says. `width`/`height` are after EXIF orientation (swapped for orientations 5–8). */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Stored (un-oriented) size. */
  rawWidth: number;
  rawHeight: number;
  /** EXIF orientation 1..8 (1 when absent or not JPEG). */
  orientation: number;
  /** Bits per sample (8 or 16; JPEG is always 8). */
  bitDepth: number;
  /** Samples per pixel in the file (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA/CMYK). */
  channels: number;
}

class NeedMoreBytes extends Error {}

const ALLOWED = "JPEG (FF D8 FF), PNG (89 50 4E 47), TIFF (II*\\0 / MM\\0*)";

/** Identify the container format from the first bytes, or `null`. */
export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "png";
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42))
  )
    return "tiff";
  return null;
}

function u16(b: Uint8Array, o: number, le: boolean): number {
  if (o + 2 > b.length) throw new NeedMoreBytes();
  return le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number, le: boolean): number {
  if (o + 4 > b.length) throw new NeedMoreBytes();
  return le
    ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
    : ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Read TIFF IFD0 tags (from a TIFF file or an EXIF block); `base` is where the TIFF header starts. */
function tiffTags(b: Uint8Array, base: number, wanted: number[]): Map<number, number> {
  const le = b[base] === 0x49;
  const ifd = base + u32(b, base + 4, le);
  const n = u16(b, ifd, le);
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(b, e, le);
    if (!wanted.includes(tag)) continue;
    const type = u16(b, e + 2, le);
    const count = u32(b, e + 4, le);
    // SHORT (3) values sit in the first 2 bytes of the value field when they fit; LONG (4) takes all 4.
    if (type === 3 && count <= 2) out.set(tag, u16(b, e + 8, le));
    else if (type === 4 && count === 1) out.set(tag, u32(b, e + 8, le));
    else if (type === 3 && count > 2) out.set(tag, u16(b, base + u32(b, e + 8, le), le));
  }
  return out;
}

function orientedHeader(h: Omit<ImageHeader, "width" | "height">): ImageHeader {
  const swap = h.orientation >= 5 && h.orientation <= 8;
  return { ...h, width: swap ? h.rawHeight : h.rawWidth, height: swap ? h.rawWidth : h.rawHeight };
}

function parseJpeg(b: Uint8Array): ImageHeader {
  let o = 2;
  let orientation = 1;
  for (;;) {
    if (o + 4 > b.length) throw new NeedMoreBytes();
    if (b[o] !== 0xff) throw new Error(`JPEG marker expected at byte ${o}`);
    let m = b[o + 1]!;
    while (m === 0xff) {
      o++;
      if (o + 2 > b.length) throw new NeedMoreBytes();
      m = b[o + 1]!;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      o += 2;
      continue;
    }
    const len = u16(b, o + 2, false);
    if (len < 2) throw new Error(`bad JPEG segment length ${len} at byte ${o}`);
    const seg = o + 4;
    if (m === 0xe1 && seg + 6 <= b.length && String.fromCharCode(...b.subarray(seg, seg + 4)) === "Exif") {
      if (seg + len - 2 > b.length) throw new NeedMoreBytes();
      try {
        const v = tiffTags(b.subarray(0, seg + len - 2), seg + 6, [0x112]).get(0x112);
        if (v !== undefined && v >= 1 && v <= 8) orientation = v;
      } catch (e) {
        if (e instanceof NeedMoreBytes) throw e;
        // A broken EXIF block is ignored (orientation 1), as libjpeg-based readers do.
      }
    }
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof) {
      if (seg + 6 > b.length) throw new NeedMoreBytes();
      const rawHeight = u16(b, seg + 1, false);
      const rawWidth = u16(b, seg + 3, false);
      const channels = b[seg + 5]!;
      if (rawWidth === 0 || rawHeight === 0) throw new Error(`JPEG frame size ${rawWidth}x${rawHeight}`);
      return orientedHeader({ format: "jpeg", rawWidth, rawHeight, orientation, bitDepth: 8, channels });
    }
    if (m === 0xda || m === 0xd9) throw new Error("no JPEG frame header (SOF) before the image data");
    o = seg + len - 2;
  }
}

function parsePng(b: Uint8Array): ImageHeader {
  if (b.length < 29) throw new NeedMoreBytes();
  if (String.fromCharCode(...b.subarray(12, 16)) !== "IHDR") throw new Error("PNG without IHDR chunk");
  const rawWidth = u32(b, 16, false);
  const rawHeight = u32(b, 20, false);
  const bitDepth = b[24]!;
  const colorType = b[25]!;
  const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (channels === undefined) throw new Error(`PNG colour type ${colorType}`);
  if (rawWidth === 0 || rawHeight === 0) throw new Error(`PNG size ${rawWidth}x${rawHeight}`);
  return orientedHeader({ format: "png", rawWidth, rawHeight, orientation: 1, bitDepth, channels });
}

function parseTiff(b: Uint8Array): ImageHeader {
  const t = tiffTags(b, 0, [256, 257, 258, 277, 274]);
  const rawWidth = t.get(256) ?? 0;
  const rawHeight = t.get(257) ?? 0;
  if (rawWidth === 0 || rawHeight === 0) throw new Error(`TIFF size ${rawWidth}x${rawHeight}`);
  const o = t.get(274) ?? 1;
  return orientedHeader({
    format: "tiff",
    rawWidth,
    rawHeight,
    orientation: o >= 1 && o <= 8 ? o : 1,
    bitDepth: t.get(258) ?? 1,
    channels: t.get(277) ?? 1,
  });
}

/**
 * Parse the header of an image held in memory. Throws a `DataError` for an unknown format or a header that is
 * cut off or broken (`file` is used in the message only).
 */
export function parseImageHeader(bytes: Uint8Array, file = "<buffer>"): ImageHeader {
  const r = tryParse(bytes, file);
  if (r === "more")
    throw new DataError({ op: "read image header", file }, "file is truncated inside its header");
  return r;
}

function tryParse(bytes: Uint8Array, file: string): ImageHeader | "more" {
  const format = sniffFormat(bytes);
  if (format === null) {
    throw new DataError(
      {
        op: "read image header",
        file,
        value: Array.from(bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" "),
        allowed: ALLOWED,
      },
      bytes.length === 0 ? "file is empty" : "not a supported image (unknown magic bytes)",
    );
  }
  try {
    return format === "jpeg" ? parseJpeg(bytes) : format === "png" ? parsePng(bytes) : parseTiff(bytes);
  } catch (e) {
    if (e instanceof NeedMoreBytes) return "more";
    throw new DataError(
      { op: "read image header", file },
      `broken ${format} header: ${(e as Error).message}`,
    );
  }
}

/** Read the header of an image file, reading only as many bytes as needed (64 KiB, more for big EXIF blocks). */
export async function readImageHeader(file: string): Promise<ImageHeader> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw new DataError(
      { op: "read image header", file },
      `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    const size = (await fh.stat()).size;
    let want = Math.min(size, 65536);
    for (;;) {
      const buf = new Uint8Array(want);
      const { bytesRead } = await fh.read(buf, 0, want, 0);
      const r = tryParse(buf.subarray(0, bytesRead), file);
      if (r !== "more") return r;
      if (want >= size)
        throw new DataError(
          { op: "read image header", file },
          `file is truncated inside its header (${size} bytes)`,
        );
      want = Math.min(size, want * 8);
    }
  } finally {
    await fh.close();
  }
}
