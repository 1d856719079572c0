import { readdirSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "./errors";
import { decodeImage, from16Bit } from "./image-decode";
import { parseImageHeader, readImageHeader } from "./image-header";
import {
  encode,
  gradientImage,
  grayPng,
  put,
  rectsImage,
  sharedDatasets,
  tempDir,
  tiff16,
} from "./test-fixtures";
import type { Image } from "./types";

const DECODERS = ["sharp", "js"] as const;
const meanAbsDiff = (a: Image, b: Image): number => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / a.data.length;
};
const px = (img: Image, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe("decodeImage", () => {
  it("PNG round-trips exactly with both decoders", async () => {
    const src = gradientImage(37, 23);
    const bytes = await encode(src, "png");
    for (const decoder of DECODERS) {
      const img = await decodeImage(bytes, { decoder });
      expect([img.width, img.height, img.channels]).toEqual([37, 23, 3]);
      expect(img.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(img.data)).toEqual(Array.from(src.data));
    }
  });

  it("JPEG: both decoders are close to the source and to each other", async () => {
    const src = rectsImage(64, 48, [{ box: [8, 8, 40, 30], rgb: [200, 30, 60] }], 90);
    const bytes = await encode(src, "jpeg");
    const [a, b] = await Promise.all(DECODERS.map((decoder) => decodeImage(bytes, { decoder })));
    expect(meanAbsDiff(a!, src)).toBeLessThan(3);
    expect(meanAbsDiff(b!, src)).toBeLessThan(3);
    expect(meanAbsDiff(a!, b!)).toBeLessThan(1.5);
  });

  it("grayscale 8-bit PNG is expanded to 3 equal channels", async () => {
    const v = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const bytes = await grayPng(v, 4, 3);
    for (const decoder of DECODERS) {
      const img = await decodeImage(bytes, { decoder });
      expect(Array.from(img.data)).toEqual(Array.from(v).flatMap((x) => [x, x, x]));
    }
  });

  it("16-bit PNG and TIFF: float = v/65535, stretch = min–max, uint8 = round(v/257), both decoders", async () => {
    const v = Uint16Array.from({ length: 12 }, (_, i) => 1000 + i * 4000);
    const png = await grayPng(v, 4, 3);
    const tif = tiff16(v, 4, 3);
    expect(parseImageHeader(png).bitDepth).toBe(16);
    expect(parseImageHeader(tif)).toMatchObject({
      format: "tiff",
      width: 4,
      height: 3,
      bitDepth: 16,
      channels: 1,
    });
    for (const bytes of [png, tif]) {
      for (const decoder of DECODERS) {
        const f = await decodeImage(bytes, { decoder, highBitDepth: "float" });
        expect(f.data).toBeInstanceOf(Float32Array);
        Array.from(v).forEach((x, i) => expect(f.data[i * 3 + 1]).toBeCloseTo(x / 65535, 6));
        const s = await decodeImage(bytes, { decoder, highBitDepth: "stretch" });
        expect(s.data[0]).toBe(0);
        expect(s.data[33]).toBeCloseTo(1, 6);
        expect(s.data[15]).toBeCloseTo((v[5]! - v[0]!) / (v[11]! - v[0]!), 6);
        const u = await decodeImage(bytes, { decoder, highBitDepth: "uint8" });
        expect(Array.from(u.data).filter((_, i) => i % 3 === 0)).toEqual(
          Array.from(v, (x) => Math.round(x / 257)),
        );
      }
    }
    expect(Array.from(from16Bit(Uint16Array.from([0, 65535, 257]), "uint8"))).toEqual([0, 255, 1]);
  });

  it("applies every EXIF orientation 1..8 the same way in both decoders (quadrant colours by the EXIF spec)", async () => {
    const R: [number, number, number] = [255, 0, 0],
      G: [number, number, number] = [0, 255, 0],
      B: [number, number, number] = [0, 0, 255],
      W: [number, number, number] = [255, 255, 255];
    const src = rectsImage(48, 32, [
      { box: [0, 0, 24, 16], rgb: R },
      { box: [24, 0, 48, 16], rgb: G },
      { box: [0, 16, 24, 32], rgb: B },
      { box: [24, 16, 48, 32], rgb: W },
    ]);
    // Displayed [TL, TR, BL, BR] for each orientation (stored TL=R, TR=G, BL=B, BR=W).
    const want: Record<number, string> = {
      1: "RGBW",
      2: "GRWB",
      3: "WBGR",
      4: "BWRG",
      5: "RBGW",
      6: "BRWG",
      7: "WGBR",
      8: "GWRB",
    };
    const name = (p: number[]): string => (p[0]! > 128 ? (p[1]! > 128 ? "W" : "R") : p[1]! > 128 ? "G" : "B");
    for (let o = 1; o <= 8; o++) {
      const bytes = await encode(src, "jpeg", { orientation: o });
      expect(parseImageHeader(bytes).orientation).toBe(o);
      for (const decoder of DECODERS) {
        const img = await decodeImage(bytes, { decoder });
        expect([img.width, img.height]).toEqual(o >= 5 ? [32, 48] : [48, 32]);
        const got = [
          px(img, 2, 2),
          px(img, img.width - 3, 2),
          px(img, 2, img.height - 3),
          px(img, img.width - 3, img.height - 3),
        ]
          .map(name)
          .join("");
        expect(`${o}:${got}`).toBe(`${o}:${want[o]}`);
        const raw = await decodeImage(bytes, { decoder, autoOrient: false });
        expect([raw.width, raw.height]).toEqual([48, 32]);
      }
    }
  });

  it("maxSide shrinks to round(W·r) × round(H·r) with both decoders, with similar content", async () => {
    const src = rectsImage(640, 480, [{ box: [100, 100, 400, 300], rgb: [250, 200, 10] }]);
    const bytes = await encode(src, "png");
    const [a, b] = await Promise.all(
      DECODERS.map((decoder) => decodeImage(bytes, { decoder, maxSide: 100 })),
    );
    expect([a!.width, a!.height, b!.width, b!.height]).toEqual([100, 75, 100, 75]);
    expect(meanAbsDiff(a!, b!)).toBeLessThan(4);
    expect(px(a!, 40, 30)).toEqual([250, 200, 10]);
    expect(px(b!, 40, 30)).toEqual([250, 200, 10]);
  });

  it("refuses truncated, empty, unknown and missing files with a DataError naming the file", async () => {
    const jpg = await encode(gradientImage(200, 150), "jpeg");
    const png = await encode(gradientImage(200, 150), "png");
    const cases: [string, Uint8Array, RegExp][] = [
      [
        "half.jpg",
        jpg.subarray(0, Math.floor(jpg.length / 2)),
        /decode image: .*half\.jpg.*could not decode/,
      ],
      ["head.jpg", jpg.subarray(0, 60), /head\.jpg.*truncated inside its header/],
      ["half.png", png.subarray(0, Math.floor(png.length / 2)), /half\.png.*could not decode/],
      ["empty.png", new Uint8Array(0), /empty\.png.*file is empty/],
      [
        "text.jpg",
        new TextEncoder().encode("not an image at all"),
        /text\.jpg.*unknown magic bytes.*allowed: JPEG/,
      ],
    ];
    for (const [name, bytes, re] of cases) {
      const file = await put(path.join(tmp.dir, name), bytes);
      for (const decoder of DECODERS) {
        const err = await decodeImage(file, { decoder }).catch((e: unknown) => e);
        expect(err, `${name} ${decoder}`).toBeInstanceOf(DataError);
        expect((err as Error).message, `${name} ${decoder}`).toMatch(re);
      }
    }
    await expect(decodeImage(path.join(tmp.dir, "nope.jpg"))).rejects.toThrow(
      /nope\.jpg.*cannot read.*ENOENT/,
    );
    // tolerant: a truncated body is accepted by sharp (what libjpeg only warns about), with the header's size
    const cut = await decodeImage(jpg.subarray(0, Math.floor(jpg.length / 2)), {
      decoder: "sharp",
      tolerant: true,
    });
    expect([cut.width, cut.height]).toEqual([200, 150]);
  });
});

describe("readImageHeader on real data", () => {
  const { dir, present } = sharedDatasets();
  it.skipIf(!present)("agrees with sharp's metadata on all coco128 images (size, channels)", async () => {
    const imgDir = path.join(dir, "coco128/images/train2017");
    for (const f of readdirSync(imgDir)) {
      const file = path.join(imgDir, f);
      const [h, m] = await Promise.all([readImageHeader(file), sharp(file).metadata()]);
      expect([h.width, h.height, h.channels], f).toEqual([
        m.autoOrient?.width ?? m.width,
        m.autoOrient?.height ?? m.height,
        m.channels,
      ]);
    }
  });
  if (!present) console.warn(`[kdet/data] skipping real-data header test: ${dir} not found`);
});
