/**
 * Helpers for tests (not exported from the package): temp folders, small images written by sharp, a hand-written
 * 16-bit TIFF, and the shared-dataset location.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import type { Image, Sample } from "./types";
import { identityTransform } from "./box-transform";

/** `<KDET_DATA>/datasets` (vitest sets KDET_DATA), and whether it exists. */
export function sharedDatasets(): { dir: string; present: boolean } {
  const dir = path.join(
    process.env.KDET_DATA ?? path.resolve(import.meta.dirname, "../../../../shared"),
    "datasets",
  );
  return { dir, present: existsSync(path.join(dir, "coco128")) };
}

/** A fresh temp folder; call the returned cleanup when done. */
export async function tempDir(prefix = "kdet-data-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Write `content` to `file`, creating folders. */
export async function put(file: string, content: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

/** A deterministic RGB test image: R = x mod 256, G = y mod 256, B = (x·7 + y·13) mod 256. */
export function gradientImage(width: number, height: number): Image {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x % 256;
      data[o + 1] = y % 256;
      data[o + 2] = (x * 7 + y * 13) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

/** Encode an 8-bit RGB image as JPEG (quality 95) or PNG with sharp. */
export async function encode(
  img: Image,
  format: "jpeg" | "png",
  extra: { orientation?: number } = {},
): Promise<Uint8Array> {
  let p = sharp(img.data as Uint8Array, { raw: { width: img.width, height: img.height, channels: 3 } });
  p = format === "jpeg" ? p.jpeg({ quality: 95 }) : p.png();
  if (extra.orientation) p = p.withMetadata({ orientation: extra.orientation });
  return p.toBuffer();
}

/** A grayscale (1-channel) PNG, 8 or 16 bits, from sample values. */
export async function grayPng(
  values: Uint16Array | Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const deep = values instanceof Uint16Array;
  return sharp(values, { raw: { width, height, channels: 1 } })
    .toColourspace(deep ? "grey16" : "b-w")
    .png()
    .toBuffer();
}

/**
 * A minimal uncompressed little-endian 16-bit grayscale TIFF (one strip), as FLIR's `thermal_16_bit` frames:
 * header, IFD with ImageWidth, ImageLength, BitsPerSample=16, Compression=1, Photometric=1 (black is zero),
 * StripOffsets, SamplesPerPixel=1, RowsPerStrip, StripByteCounts.
 */
export function tiff16(values: Uint16Array, width: number, height: number): Uint8Array {
  const tags: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 16],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 0 /* patched */],
    [277, 3, 1],
    [278, 4, height],
    [279, 4, width * height * 2],
  ];
  const ifdOff = 8;
  const ifdLen = 2 + tags.length * 12 + 4;
  const dataOff = ifdOff + ifdLen;
  const buf = new Uint8Array(dataOff + values.length * 2);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x49;
  buf[1] = 0x49;
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifdOff, true);
  dv.setUint16(ifdOff, tags.length, true);
  tags.forEach(([tag, type, value], i) => {
    const e = ifdOff + 2 + i * 12;
    dv.setUint16(e, tag, true);
    dv.setUint16(e + 2, type, true);
    dv.setUint32(e + 4, 1, true);
    if (type === 3) dv.setUint16(e + 8, value, true);
    else dv.setUint32(e + 8, tag === 273 ? dataOff : value, true);
  });
  dv.setUint32(ifdOff + 2 + tags.length * 12, 0, true);
  for (let i = 0; i < values.length; i++) dv.setUint16(dataOff + i * 2, values[i]!, true);
  return buf;
}

/** A sample over `img` with the given xyxy boxes (class = box index). */
export function sampleOf(img: Image, boxes: number[][]): Sample {
  const n = boxes.length;
  return {
    imageId: 1,
    file: "",
    image: img,
    boxes: Float32Array.from(boxes.flat()),
    classes: Int32Array.from(boxes.map((_, i) => i)),
    categoryIds: Int32Array.from(boxes.map((_, i) => i + 1)),
    iscrowd: new Uint8Array(n),
    difficult: new Uint8Array(n),
    truncated: new Uint8Array(n),
    ignore: new Uint8Array(n),
    transform: identityTransform(img.width, img.height),
  };
}

/** An image of `bg` grey with filled rectangles (integer xyxy) of the given colours. */
export function rectsImage(
  width: number,
  height: number,
  rects: { box: number[]; rgb: [number, number, number] }[],
  bg = 40,
): Image {
  const data = new Uint8Array(width * height * 3).fill(bg);
  for (const { box, rgb } of rects) {
    for (let y = box[1]!; y < box[3]!; y++)
      for (let x = box[0]!; x < box[2]!; x++) data.set(rgb, (y * width + x) * 3);
  }
  return { data, width, height, channels: 3 };
}
