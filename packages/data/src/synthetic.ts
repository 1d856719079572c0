/**
 * Seeded synthetic detection data: 8 shape classes (`synthetic-shapes.ts`) with class colours and textures
 * (jittered; a fraction get a random colour so shape must be learned), log-uniform sizes, partial occlusion and a
 * cluttered, noisy background. Image i depends only on (seed, i).
 *
 * Boxes are the tight boxes of each object's *visible* pixels (after occlusion): `[minX, minY, maxX+1, maxY+1]`.
 * An object is only placed if every earlier object keeps at least `minVisible` of its pixels.
 * Written to disk as COCO (`annotations.json`, category ids 1..8, image ids 1..N, `images/000001.png`), or kept in
 * memory as a `Dataset` (`syntheticDataset`).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PNG } from "pngjs";
import { z } from "zod";
import { AnnotationBuilder } from "./annotation-builder";
import { writeDirAtomic, writeFileSynced } from "./atomic-write";
import type { CocoGtFile } from "./coco-schema";
import { createDataset, emptyReport } from "./dataset";
import { DataError, parseWith } from "./errors";
import { loadSharp, shrinkSize } from "./image-decode";
import { resizeBilinear } from "./resize";
import { createRng, hashSeed, type Rng } from "./rng";
import { hsvToRgb, SYNTHETIC_CLASSES, textureValue } from "./synthetic-shapes";
import type { Dataset, Image, SampleRecord } from "./types";

/** Synthetic dataset options. */
export const SyntheticOptionsSchema = z.object({
  seed: z.number().int().default(0),
  /** At most 1e6 images, as every record is built up front. */
  numImages: z.number().int().positive().max(1_000_000).default(512),
  /** Square image side in pixels. */
  size: z.number().int().min(32).max(2048).default(128),
  minObjects: z.number().int().min(0).max(1000).default(1),
  /** At most 1000 objects per image (they are placed and drawn one by one). */
  maxObjects: z.number().int().min(0).max(1000).default(6),
  /** Object box side range in pixels (default 8 .. size/2). */
  minObjectSize: z.number().int().min(4).default(8),
  maxObjectSize: z.number().int().positive().optional(),
  /** Probability that an object gets a random colour instead of its class colour. */
  randomColour: z.number().min(0).max(1).default(0.25),
  /** Amount of background clutter (lines, blobs), 0..1. */
  clutter: z.number().min(0).max(1).default(0.5),
  /** Per-pixel uniform noise amplitude (0..255 units). */
  noise: z.number().min(0).max(64).default(8),
  /** Minimum visible fraction every object keeps under later objects. */
  minVisible: z.number().min(0.1).max(1).default(0.5),
});
/** Input of the synthetic generators. */
export type SyntheticOptions = z.input<typeof SyntheticOptionsSchema>;
type Cfg = z.output<typeof SyntheticOptionsSchema>;

/** Parse and cross-check synthetic options. */
function parseSynthetic(options: SyntheticOptions, op: string): Cfg {
  const cfg = parseWith(SyntheticOptionsSchema, options, op);
  if (cfg.maxObjects < cfg.minObjects)
    throw new DataError(
      { op, field: "maxObjects", value: cfg.maxObjects, allowed: `>= minObjects (${cfg.minObjects})` },
      "invalid config",
    );
  return cfg;
}

/** One rendered image and its objects (boxes xyxy in pixels, class index 0..7). */
export interface SyntheticImage {
  image: Image;
  boxes: number[][];
  classes: number[];
}

/** Names of the synthetic classes (index order). */
export const SYNTHETIC_CLASS_NAMES = SYNTHETIC_CLASSES.map((c) => c.name);

function background(S: number, rng: Rng, cfg: Cfg): Float32Array {
  const px = new Float32Array(S * S * 3);
  const c0 = hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 0.35), rng.uniform(0.25, 0.85));
  const c1 = hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 0.35), rng.uniform(0.25, 0.85));
  const a = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(a),
    dy = Math.sin(a);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x / S - 0.5) * dx + (y / S - 0.5) * dy)));
      const o = (y * S + x) * 3;
      for (let c = 0; c < 3; c++) px[o + c] = c0[c]! * (1 - t) + c1[c]! * t;
    }
  }
  // Soft blobs, thin lines and specks of random colour.
  const blobs = Math.round(cfg.clutter * 8);
  for (let k = 0; k < blobs; k++) {
    const col = hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 0.8), rng.uniform(0.2, 1));
    const cx = rng.uniform(0, S),
      cy = rng.uniform(0, S),
      r = rng.uniform(S / 16, S / 4),
      alpha = rng.uniform(0.15, 0.4);
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(S, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(S, Math.ceil(cx + r)); x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / r;
        if (d >= 1) continue;
        const w = alpha * (1 - d * d);
        const o = (y * S + x) * 3;
        for (let c = 0; c < 3; c++) px[o + c] = px[o + c]! * (1 - w) + col[c]! * w;
      }
    }
  }
  const lines = Math.round(cfg.clutter * 12);
  for (let k = 0; k < lines; k++) {
    const col = hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 1), rng.uniform(0.1, 1));
    const x0 = rng.uniform(0, S),
      y0 = rng.uniform(0, S),
      ang = rng.uniform(0, Math.PI),
      len = rng.uniform(S / 8, S / 2);
    const steps = Math.ceil(len * 2);
    for (let i = 0; i <= steps; i++) {
      const x = Math.floor(x0 + (Math.cos(ang) * len * i) / steps),
        y = Math.floor(y0 + (Math.sin(ang) * len * i) / steps);
      if (x < 0 || y < 0 || x >= S || y >= S) continue;
      const o = (y * S + x) * 3;
      for (let c = 0; c < 3; c++) px[o + c] = col[c]!;
    }
  }
  const specks = Math.round(cfg.clutter * 30);
  for (let k = 0; k < specks; k++) {
    const col = hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 1), rng.uniform(0.1, 1));
    const x0 = rng.int(S),
      y0 = rng.int(S),
      r = 1 + rng.int(3);
    for (let y = y0; y < Math.min(S, y0 + r); y++)
      for (let x = x0; x < Math.min(S, x0 + r); x++)
        for (let c = 0; c < 3; c++) px[(y * S + x) * 3 + c] = col[c]!;
  }
  return px;
}

/** Render synthetic image `index` of the stream `seed` (deterministic). */
export function renderSyntheticImage(
  seed: number,
  index: number,
  options: SyntheticOptions = {},
): SyntheticImage {
  const cfg = parseSynthetic(options, "synthetic image");
  const S = cfg.size;
  const rng = createRng(hashSeed(seed, index));
  const px = background(S, rng, cfg);
  const owner = new Int16Array(S * S).fill(-1);
  const drawn: number[] = []; // pixels drawn per object
  const visible: number[] = [];
  const classes: number[] = [];
  const maxSide = Math.min(cfg.maxObjectSize ?? Math.floor(S / 2), S);
  const minSide = Math.min(cfg.minObjectSize, maxSide);
  const n = cfg.minObjects + rng.int(cfg.maxObjects - cfg.minObjects + 1);
  for (let k = 0; k < n; k++) {
    const cls = rng.int(SYNTHETIC_CLASSES.length);
    const shape = SYNTHETIC_CLASSES[cls]!;
    const base = Math.exp(rng.uniform(Math.log(minSide), Math.log(maxSide + 1)));
    const aspect =
      shape.name === "circle" || shape.name === "square"
        ? 1
        : shape.name === "ellipse"
          ? rng.chance(0.5)
            ? rng.uniform(0.45, 0.7)
            : rng.uniform(1.4, 2.2)
          : rng.uniform(0.8, 1.25);
    const w = Math.max(minSide, Math.min(maxSide, Math.floor(base)));
    const h = Math.max(minSide, Math.min(maxSide, Math.floor(base * aspect)));
    const rand = rng.chance(cfg.randomColour);
    const hue = rand ? rng.uniform(0, 360) : shape.hue + rng.uniform(-12, 12);
    const col = hsvToRgb(hue, rng.uniform(0.55, 0.95), rng.uniform(0.6, 1));
    const period = 4 + rng.int(5);
    for (let attempt = 0; attempt < 20; attempt++) {
      const x1 = rng.int(S - w + 1),
        y1 = rng.int(S - h + 1);
      const cover: number[] = [];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (shape.inside((x + 0.5) / w, (y + 0.5) / h)) cover.push((y1 + y) * S + x1 + x);
      if (cover.length === 0) break;
      const lost = new Map<number, number>();
      for (const p of cover) {
        const o = owner[p]!;
        if (o >= 0) lost.set(o, (lost.get(o) ?? 0) + 1);
      }
      if ([...lost].some(([o, l]) => visible[o]! - l < cfg.minVisible * drawn[o]!)) continue;
      const id = classes.length;
      for (const [o, l] of lost) visible[o] = visible[o]! - l;
      for (const p of cover) {
        owner[p] = id;
        const x = (p % S) - x1,
          y = Math.floor(p / S) - y1;
        const r01 = Math.min(1, Math.hypot((x + 0.5) / w - 0.5, (y + 0.5) / h - 0.5) * 2);
        const f = textureValue(shape.texture, x, y, period, r01);
        for (let c = 0; c < 3; c++) px[p * 3 + c] = col[c]! * f;
      }
      drawn.push(cover.length);
      visible.push(cover.length);
      classes.push(cls);
      break;
    }
  }
  // Tight boxes of the visible pixels.
  const bb = classes.map(() => [Infinity, Infinity, -Infinity, -Infinity]);
  for (let p = 0; p < S * S; p++) {
    const o = owner[p]!;
    if (o < 0) continue;
    const x = p % S,
      y = (p - x) / S,
      b = bb[o]!;
    if (x < b[0]!) b[0] = x;
    if (y < b[1]!) b[1] = y;
    if (x + 1 > b[2]!) b[2] = x + 1;
    if (y + 1 > b[3]!) b[3] = y + 1;
  }
  const data = new Uint8Array(S * S * 3);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.min(255, Math.max(0, px[i]! + rng.uniform(-cfg.noise, cfg.noise) + 0.5));
  return { image: { data, width: S, height: S, channels: 3 }, boxes: bb, classes };
}

function recordOf(img: SyntheticImage, i: number, file: string): SampleRecord {
  const b = new AnnotationBuilder();
  img.boxes.forEach((box, j) =>
    b.push(box[0]!, box[1]!, box[2]!, box[3]!, img.classes[j]!, img.classes[j]! + 1),
  );
  return { imageId: i + 1, file, width: img.image.width, height: img.image.height, ...b.build() };
}

/** An in-memory synthetic `Dataset` (no files; `loadImage` returns copies, shrunk if `maxSide` asks). */
export function syntheticDataset(options: SyntheticOptions = {}): Dataset {
  const cfg = parseSynthetic(options, "synthetic dataset");
  const images = Array.from({ length: cfg.numImages }, (_, i) => renderSyntheticImage(cfg.seed, i, cfg));
  return createDataset({
    name: `synthetic-${cfg.seed}`,
    format: "synthetic",
    root: "",
    classNames: [...SYNTHETIC_CLASS_NAMES],
    categoryIds: SYNTHETIC_CLASS_NAMES.map((_, k) => k + 1),
    records: images.map((img, i) => recordOf(img, i, "")),
    report: emptyReport(),
    readImage: async (_rec, i, o) => {
      const img = images[i]!.image;
      const t = shrinkSize(img.width, img.height, o.maxSide);
      return t.width === img.width && t.height === img.height
        ? { ...img, data: img.data.slice() }
        : resizeBilinear(img, t.width, t.height);
    },
  });
}

/** Encode an 8-bit RGB image as PNG (sharp when available, else pngjs). */
export async function encodePng(img: Image): Promise<Uint8Array> {
  if (!(img.data instanceof Uint8Array)) throw new Error("encodePng needs a uint8 image");
  const sharp = await loadSharp();
  if (sharp)
    return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .png({ compressionLevel: 6 })
      .toBuffer();
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0, j = 0; i < img.data.length; i += 3, j += 4) {
    rgba[j] = img.data[i]!;
    rgba[j + 1] = img.data[i + 1]!;
    rgba[j + 2] = img.data[i + 2]!;
    rgba[j + 3] = 255;
  }
  return PNG.sync.write({ width: img.width, height: img.height, data: rgba });
}

/**
 * Write a synthetic dataset to `outDir` as COCO: `annotations.json` + `images/000001.png` ...
 * Returns the paths to pass to `loadCoco`. The folder is built under a temporary name beside `outDir` and renamed
 * into place when complete (every file fsynced), so an interrupted run leaves no partial dataset. An existing
 * `outDir` (other than an empty folder) is refused with a `DataError` naming it, unless `overwrite: true`
 * replaces it as a whole.
 */
export async function generateSynthetic(
  options: SyntheticOptions & { outDir: string; overwrite?: boolean },
): Promise<{ annotationFile: string; imageDir: string; numImages: number; numBoxes: number }> {
  const op = "generate synthetic";
  const { outDir: out, overwrite, ...rest } = options;
  const cfg = parseSynthetic(rest, op);
  const outDir = path.resolve(out);
  const gt: CocoGtFile = {
    info: { description: "kdet synthetic shapes", seed: cfg.seed, size: cfg.size },
    images: [],
    annotations: [],
    categories: SYNTHETIC_CLASSES.map((c, k) => ({ id: k + 1, name: c.name, supercategory: "shape" })),
  };
  await writeDirAtomic(
    outDir,
    async (dir) => {
      await mkdir(path.join(dir, "images"));
      for (let i = 0; i < cfg.numImages; i++) {
        const r = renderSyntheticImage(cfg.seed, i, cfg);
        const fileName = `${String(i + 1).padStart(6, "0")}.png`;
        await writeFileSynced(path.join(dir, "images", fileName), await encodePng(r.image));
        gt.images.push({ id: i + 1, file_name: fileName, width: cfg.size, height: cfg.size });
        r.boxes.forEach((b, j) => {
          const w = b[2]! - b[0]!,
            h = b[3]! - b[1]!;
          gt.annotations.push({
            id: gt.annotations.length + 1,
            image_id: i + 1,
            category_id: r.classes[j]! + 1,
            bbox: [b[0]!, b[1]!, w, h],
            area: w * h,
            iscrowd: 0,
          });
        });
      }
      await writeFileSynced(path.join(dir, "annotations.json"), JSON.stringify(gt));
    },
    { overwrite, op },
  );
  return {
    annotationFile: path.join(outDir, "annotations.json"),
    imageDir: path.join(outDir, "images"),
    numImages: cfg.numImages,
    numBoxes: gt.annotations.length,
  };
}
