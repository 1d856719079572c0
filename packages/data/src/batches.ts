/**
 * Batch iteration: seeded shuffling, fixed image size, augmentation, prefetch and an optional in-memory cache.
 *
 * - Order: epoch e visits `shuffledIndices(n, rng(seed, e))` (or 0..n-1 without shuffling), in batches of
 *   `batchSize` (the last one smaller unless `dropLast`).
 * - Every sample gets its own stream `rng(seed, e, position)`, so a batch's content depends only on (seed, epoch,
 *   position) — not on timing, prefetch depth or the cache. Mosaic partners are drawn from that stream.
 * - Images are decoded shrunk to `maxSide = size` (the cache keeps them that way), then augmented
 *   (`augment.ts`) or, with `augment: false`, letterboxed; `items[i].transform` maps original coordinates to the
 *   batch image (null after mosaic), so `unmapBoxes` brings predictions back.
 * - Prefetch: while the consumer works on batch i, batches i+1..i+prefetch are being prepared (decoding runs on
 *   sharp's thread pool; JS augmentation runs between the consumer's awaits).
 */
import { z } from "zod";
import { augmentSample, AugmentSchema, wantsMosaic } from "./augment";
import { sampleFromRecord } from "./dataset";
import { DataError, parseWith } from "./errors";
import { letterbox } from "./letterbox";
import { mapLimit } from "./read-file";
import { createRng, hashSeed, shuffledIndices } from "./rng";
import { isLabelled, mixedOrder } from "./semi-supervised";
import type { Batch, BatchItem, Dataset, Image, Sample } from "./types";

/** Batch iteration options. */
export const BatchOptionsSchema = z.object({
  batchSize: z.number().int().positive(),
  /** Batch images are `size × size`. */
  size: z.number().int().positive(),
  shuffle: z.boolean().default(true),
  seed: z.number().int().default(0),
  /** Augmentation config without `size`, or false for letterbox only (evaluation). */
  augment: z.union([z.literal(false), AugmentSchema.omit({ size: true })]).default(false),
  dropLast: z.boolean().default(false),
  /** Batches prepared ahead of the one being consumed. */
  prefetch: z.number().int().min(0).default(2),
  /** Keep decoded (shrunk) images in memory across epochs. */
  cache: z.boolean().default(false),
  /** Pixel type of `batch.images`: float32 in 0..1, or uint8 0..255. */
  output: z.enum(["float32", "uint8"]).default("float32"),
  decoder: z.enum(["sharp", "js"]).optional(),
  /** Images decoded in parallel within a batch. */
  concurrency: z.number().int().positive().default(4),
  /**
   * Semi-supervised sets (records flagged `labelled: false`): the share of each batch that is labelled
   * (`mixedOrder`: a fixed count per batch, each part reshuffled when exhausted). Absent: the records are
   * shuffled together (the natural ratio). Mosaic partners always come from the main image's own part.
   */
  labelledRatio: z.number().gt(0).lt(1).optional(),
});
/** Input of `createBatchLoader`. */
export type BatchOptions = z.input<typeof BatchOptionsSchema>;

/** A reusable batch source over a dataset (keeps the cache between epochs). */
export interface BatchLoader {
  readonly batchesPerEpoch: number;
  /** The batches of epoch `e` (deterministic for a given seed and epoch). */
  epoch(e: number): AsyncGenerator<Batch>;
  /** The record indices of epoch `e`, in visiting order. */
  order(e: number): Int32Array;
  /** Number of cached images. */
  readonly cachedImages: number;
  clearCache(): void;
}

function u8ToF32(src: Uint8Array, dst: Float32Array, o: number): void {
  const k = 1 / 255;
  for (let i = 0; i < src.length; i++) dst[o + i] = src[i]! * k;
}
function f32ToU8(src: Float32Array, dst: Uint8Array, o: number): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! * 255 + 0.5;
    dst[o + i] = v <= 0 ? 0 : Math.min(v, 255);
  }
}

/** Stack per-image HWC arrays into one NHWC array of the requested type (uint8 → float: /255; float → uint8: ·255 rounded). */
export function stackImages(images: Image[], output: "float32" | "uint8"): Float32Array | Uint8Array {
  const first = images[0];
  if (!first) return output === "uint8" ? new Uint8Array(0) : new Float32Array(0);
  const per = first.width * first.height * 3;
  const out =
    output === "uint8" ? new Uint8Array(per * images.length) : new Float32Array(per * images.length);
  images.forEach((img, b) => {
    if (img.data.length !== per)
      throw new DataError(
        {
          op: "stack batch",
          entry: b,
          value: `${img.width}x${img.height}`,
          allowed: `${first.width}x${first.height}`,
        },
        "images of a batch differ in size",
      );
    const src = img.data;
    if (out instanceof Float32Array) {
      if (src instanceof Uint8Array) u8ToF32(src, out, b * per);
      else out.set(src, b * per);
    } else if (src instanceof Uint8Array) out.set(src, b * per);
    else f32ToU8(src, out, b * per);
  });
  return out;
}

/** Create a batch loader over `ds`; see the module comment. */
export function createBatchLoader(ds: Dataset, options: BatchOptions): BatchLoader {
  const o = parseWith(BatchOptionsSchema, options, "batch loader");
  const n = ds.records.length;
  if (n === 0) throw new DataError({ op: "batch loader", file: ds.root }, `dataset ${ds.name} has no images`);
  const aug = o.augment === false ? null : AugmentSchema.parse({ ...o.augment, size: o.size });
  const cache = new Map<number, Promise<Image>>();
  const flags = ds.records.map(isLabelled);
  const pools = [
    ds.records.flatMap((_, i) => (flags[i] ? [i] : [])),
    ds.records.flatMap((_, i) => (flags[i] ? [] : [i])),
  ];
  const mixed = pools[0]!.length > 0 && pools[1]!.length > 0;
  if (o.labelledRatio !== undefined && !mixed)
    throw new DataError(
      { op: "batch loader", file: ds.root, value: o.labelledRatio },
      `labelledRatio needs labelled and unlabelled images; dataset ${ds.name} has ${pools[0]!.length} labelled and ${pools[1]!.length} unlabelled`,
    );
  const visits =
    o.labelledRatio === undefined ? n : mixedOrder(flags, o.batchSize, o.labelledRatio, o.seed, 0).length;
  const batchesPerEpoch = o.dropLast ? Math.floor(visits / o.batchSize) : Math.ceil(visits / o.batchSize);
  const decode = { maxSide: o.size, ...(o.decoder ? { decoder: o.decoder } : {}) };

  const image = (i: number): Promise<Image> => {
    if (!o.cache) return ds.loadImage(i, decode);
    let p = cache.get(i);
    if (!p) {
      p = ds.loadImage(i, decode);
      cache.set(i, p);
      p.catch(() => cache.delete(i));
    }
    return p;
  };
  const sample = async (i: number): Promise<Sample> => sampleFromRecord(ds.records[i]!, await image(i));

  const order = (e: number): Int32Array => {
    if (o.labelledRatio !== undefined) return mixedOrder(flags, o.batchSize, o.labelledRatio, o.seed, e);
    if (!o.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return shuffledIndices(n, createRng(hashSeed(o.seed, e)));
  };

  const prepare = async (e: number, pos: number, index: number): Promise<{ s: Sample; index: number }> => {
    const rng = createRng(hashSeed(o.seed, e, pos));
    if (!aug) return { s: letterbox(await sample(index), { width: o.size, height: o.size }), index };
    const mosaic = wantsMosaic(rng, aug);
    const pool = mixed ? pools[flags[index] ? 0 : 1]! : null;
    const draw = (): number => (pool ? pool[rng.int(pool.length)]! : rng.int(n));
    const partnerIdx = mosaic ? [draw(), draw(), draw()] : [];
    const [main, ...partners] = await Promise.all([index, ...partnerIdx].map(sample));
    return { s: augmentSample(main!, rng, aug, mosaic, partners), index };
  };

  const makeBatch = async (e: number, ord: Int32Array, b: number): Promise<Batch> => {
    const start = b * o.batchSize;
    const positions = Array.from({ length: Math.min(o.batchSize, ord.length - start) }, (_, j) => start + j);
    const done = await mapLimit(positions, o.concurrency, (pos) => prepare(e, pos, ord[pos]!));
    const items: BatchItem[] = done.map(({ s, index }) => ({
      index,
      imageId: s.imageId,
      file: s.file,
      boxes: s.boxes,
      classes: s.classes,
      categoryIds: s.categoryIds,
      iscrowd: s.iscrowd,
      difficult: s.difficult,
      truncated: s.truncated,
      ignore: s.ignore,
      transform: s.transform,
      labelled: flags[index]!,
    }));
    return {
      images: stackImages(
        done.map((d) => d.s.image),
        o.output,
      ),
      batchSize: items.length,
      height: o.size,
      width: o.size,
      items,
    };
  };

  async function* epoch(e: number): AsyncGenerator<Batch> {
    const ord = order(e);
    const pending: Promise<Batch>[] = [];
    let next = 0;
    while (next < batchesPerEpoch || pending.length > 0) {
      // Start the current batch and up to `prefetch` after it; they run while the consumer holds this one.
      while (pending.length < 1 + o.prefetch && next < batchesPerEpoch) {
        const p = makeBatch(e, ord, next++);
        p.catch(() => undefined); // handled when awaited below; avoids an unhandled rejection meanwhile
        pending.push(p);
      }
      yield await pending.shift()!;
    }
  }

  return {
    batchesPerEpoch,
    epoch,
    order,
    get cachedImages() {
      return cache.size;
    },
    clearCache: () => cache.clear(),
  };
}

/**
 * Padded targets of a batch: `boxes [B·M·4]`, `classes [B·M]` (−1 = padding), `ignore [B·M]`, `counts [B]`.
 * M defaults to the largest box count; a given `maxBoxes` smaller than an image's count throws (no silent drop).
 */
export function padTargets(
  batch: Batch,
  maxBoxes?: number,
): { maxBoxes: number; boxes: Float32Array; classes: Int32Array; ignore: Uint8Array; counts: Int32Array } {
  const M = maxBoxes ?? Math.max(1, ...batch.items.map((it) => it.classes.length));
  const B = batch.items.length;
  const boxes = new Float32Array(B * M * 4);
  const classes = new Int32Array(B * M).fill(-1);
  const ignore = new Uint8Array(B * M);
  const counts = new Int32Array(B);
  batch.items.forEach((it, b) => {
    const k = it.classes.length;
    if (k > M)
      throw new DataError(
        { op: "pad targets", entry: b, value: k, allowed: `<= ${M}` },
        "image has more boxes than maxBoxes",
      );
    counts[b] = k;
    boxes.set(it.boxes.subarray(0, k * 4), b * M * 4);
    classes.set(it.classes.subarray(0, k), b * M);
    ignore.set(it.ignore.subarray(0, k), b * M);
  });
  return { maxBoxes: M, boxes, classes, ignore, counts };
}
