/** Test-only: a few real coco128 val images as a `@kdet/data` dataset and an un-augmented loader. */
import { createBatchLoader, createDataset, loadYolo, type BatchLoader, type Dataset } from "@kdet/data";
import path from "node:path";
import { COCO128 } from "../teachers/test-helpers";

/** `$KDET_DATA/datasets/coco128/data.yaml`. */
export const COCO128_YAML = path.join(COCO128, "data.yaml");

/** The first `n` coco128 val images (`createDataset` over the loaded records) and a letterbox-only loader at `size`. */
export async function coco128Subset(opts: {
  n: number;
  size: number;
  batchSize: number;
  augment?: Parameters<typeof createBatchLoader>[1]["augment"];
  seed?: number;
}): Promise<{ dataset: Dataset; loader: BatchLoader }> {
  const full = await loadYolo({ dataYaml: COCO128_YAML, split: "val" });
  const dataset = createDataset({ ...full, records: full.records.slice(0, opts.n) });
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
