/** Test-only: a few real coco128 val images as a `@kdet/data` dataset and an un-augmented loader. */
import { createBatchLoader, createDataset, loadYolo, type BatchLoader, type Dataset } from "@kdet/data";
import path from "node:path";
import { COCO128 } from "../teachers/test-helpers";

/** `$KDET_DATA/datasets/coco128/data.yaml`. */
export const COCO128_YAML = path.join(COCO128, "data.yaml");

/**
 * The first `n` coco128 val images (`createDataset` over the loaded records) and a letterbox-only loader at `size`;
 * with `minObjectSize`, the first `n` whose every box is at least that large (√(w·h) in pixels at `size`).
 */
export async function coco128Subset(opts: {
  n: number;
  size: number;
  batchSize: number;
  minObjectSize?: number;
  augment?: Parameters<typeof createBatchLoader>[1]["augment"];
  seed?: number;
}): Promise<{ dataset: Dataset; loader: BatchLoader }> {
  const full = await loadYolo({ dataYaml: COCO128_YAML, split: "val" });
  const min = opts.minObjectSize ?? 0;
  const large = (r: (typeof full.records)[number]) => {
    const s = opts.size / Math.max(r.width, r.height);
    for (let i = 0; i < r.boxes.length; i += 4) {
      const area = (r.boxes[i + 2]! - r.boxes[i]!) * (r.boxes[i + 3]! - r.boxes[i + 1]!);
      if (Math.sqrt(area) * s < min) return false;
    }
    return r.boxes.length > 0;
  };
  const records = (min > 0 ? full.records.filter(large) : full.records).slice(0, opts.n);
  const dataset = createDataset({ ...full, records });
  const loader = createBatchLoader(dataset, {
    batchSize: opts.batchSize,
    size: opts.size,
    shuffle: false,
    augment: opts.augment ?? false,
    seed: opts.seed ?? 0,
    prefetch: 0,
    cache: true,
  });
  return { dataset, loader };
}
