/** Test-only: tiny synthetic detection sets from `@kdet/data` (few images, 1–2 big objects, no clutter). */
import { type BatchLoader, createBatchLoader, syntheticDataset, type Batch, type Dataset } from "@kdet/data";
import type { Validator } from "../train/validation";
import { cocoValidator } from "./coco-validator";

/** `n` images of `size`² with 1–2 objects of 20–40 px (8 classes), as train data (one batch) and validation data. */
export function tinySynthetic(opts: { n?: number; size?: number; seed?: number; batchSize?: number } = {}): {
  dataset: Dataset;
  train: BatchLoader;
  val: Validator;
} {
  const size = opts.size ?? 64;
  const dataset = syntheticDataset({
    seed: opts.seed ?? 3,
    numImages: opts.n ?? 4,
    size,
    minObjects: 1,
    maxObjects: 2,
    minObjectSize: Math.round(size * 0.3),
    maxObjectSize: Math.round(size * 0.6),
    clutter: 0,
    noise: 0,
  });
  const loader = createBatchLoader(dataset, {
    batchSize: opts.batchSize ?? opts.n ?? 4,
    size,
    shuffle: false,
    prefetch: 0,
    cache: true,
  });
  return { dataset, train: loader, val: cocoValidator({ dataset, loader }) };
}

/** A hand-made batch: `boxes[i]` are image i's xyxy boxes (flat), class `k` each. */
export function handBatch(size: number, boxes: number[][], classes: number[][], seed = 0): Batch {
  const n = boxes.length;
  const images = new Float32Array(n * size * size * 3);
  let s = seed + 1;
  for (let i = 0; i < images.length; i++) images[i] = ((s = (s * 16807) % 2147483647) % 1000) / 1000;
  return {
    images,
    batchSize: n,
    height: size,
    width: size,
    items: boxes.map((b, i) => {
      const m = b.length / 4;
      return {
        index: i,
        imageId: i + 1,
        file: "",
        boxes: Float32Array.from(b),
        classes: Int32Array.from(classes[i]!),
        categoryIds: Int32Array.from(classes[i]!, (c) => c + 1),
        iscrowd: new Uint8Array(m),
        difficult: new Uint8Array(m),
        truncated: new Uint8Array(m),
        ignore: new Uint8Array(m),
        transform: null,
      };
    }),
  };
}
