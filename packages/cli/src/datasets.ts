/**
 * The experiment's data: each configured split loaded through the `DATASETS` registry, checked to
 * share the training split's classes, and its batch loaders (augmented for training; letterboxed,
 * in order, for evaluation).
 */
import {
  asUnlabelled,
  createBatchLoader,
  keepLabelledFraction,
  loadDataset,
  mixLabelledUnlabelled,
  type BatchLoader,
  type Dataset,
  type DatasetConfig,
} from "@kdet/data";
import type { Experiment, DatasetSplit } from "./config-schema";
import { CliError } from "./errors";

/** The loaded splits. */
export interface Splits {
  train: Dataset;
  val?: Dataset;
  test?: Dataset;
}

/** Split names in the order they are loaded. */
export const SPLITS = ["train", "val", "test"] as const;

/** Loads one split config (any registry format); errors name the split. */
export async function loadSplit(cfg: DatasetSplit, split: string): Promise<Dataset> {
  try {
    const ds = await loadDataset(cfg as DatasetConfig);
    if (ds.records.length === 0) throw new Error("it holds no images");
    return ds;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`data.${split}: ${(e as Error).message}`);
  }
}

/**
 * The training split with `data.semi` applied: the labelled fraction kept (seeded), the unlabelled source appended
 * with its labels dropped. Without `data.semi` it is `data.train` as loaded.
 */
export async function loadTrainSplit(data: Pick<Experiment["data"], "train" | "semi">): Promise<Dataset> {
  let ds = await loadSplit(data.train, "train");
  const semi = data.semi;
  if (!semi) return ds;
  if (semi.labelledFraction !== undefined && semi.labelledFraction < 1)
    ds = keepLabelledFraction(ds, semi.labelledFraction, semi.seed);
  if (semi.unlabelled)
    ds = mixLabelledUnlabelled(ds, asUnlabelled(await loadSplit(semi.unlabelled, "semi.unlabelled")));
  return ds;
}

/** Loads every configured split; val and test must have the training split's classes. */
export async function loadSplits(data: Experiment["data"]): Promise<Splits> {
  const out: Splits = { train: await loadTrainSplit(data) };
  for (const s of ["val", "test"] as const) {
    const cfg = data[s];
    if (!cfg) continue;
    const ds = await loadSplit(cfg, s);
    if (ds.classNames.join("\u0000") !== out.train.classNames.join("\u0000")) {
      throw new CliError(
        `data.${s}: classes [${ds.classNames.join(", ")}] differ from data.train's [${out.train.classNames.join(", ")}]; allowed: the same classes in the same order`,
      );
    }
    out[s] = ds;
  }
  return out;
}

/** The training batches (shuffled and augmented by data.seed). */
export function trainLoader(ds: Dataset, data: Experiment["data"]): BatchLoader {
  return createBatchLoader(ds, {
    batchSize: data.batchSize,
    size: data.imageSize,
    seed: data.seed,
    shuffle: true,
    augment: data.augment,
    cache: data.cache,
    ...(data.semi?.labelledRatio !== undefined ? { labelledRatio: data.semi.labelledRatio } : {}),
  });
}

/** Evaluation batches: letterboxed, in order, no augmentation. */
export function evalLoader(ds: Dataset, data: Experiment["data"]): BatchLoader {
  return createBatchLoader(ds, {
    batchSize: data.batchSize,
    size: data.imageSize,
    shuffle: false,
    cache: data.cache,
  });
}

/** The split evaluated at the end: eval.split, else test when configured, else val, else train (with a note). */
export function evalSplitName(exp: Experiment, splits: Splits): "test" | "val" | "train" {
  const want = exp.eval.split ?? (splits.test ? "test" : "val");
  if (want === "test" && !splits.test)
    throw new CliError(
      `eval.split: got "test" but data.test is not configured; allowed: "val" or add data.test`,
    );
  if (want === "val" && !splits.val) return "train";
  return want;
}
