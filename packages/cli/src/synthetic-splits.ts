/**
 * Three disjoint synthetic splits (train/val/test from different generator seeds, as the experiment protocol asks)
 * written as COCO files once and reused: a split whose `annotations.json` exists is not generated again; a new one
 * is generated under a temporary name and renamed into place (`generateSynthetic`), replacing a folder without
 * `annotations.json`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { generateSynthetic, type SyntheticOptions } from "@kdet/data";
import type { CliIo } from "./cli-io";
import { formatDuration } from "./progress";

/** The generator's shared options, the input size and each split's seed and size. */
export interface SyntheticSplits {
  imageSize: number;
  /** Shared options of the synthetic splits (object sizes, clutter, …). */
  synthetic: Omit<SyntheticOptions, "seed" | "numImages" | "size">;
  /** Disjoint splits: different generator seeds. */
  splits: Record<"train" | "val" | "test", { seed: number; numImages: number }>;
}

/** A generated split as an experiment's dataset config. */
export type CocoSplit = { type: "coco"; annotationFile: string; imageDir: string };

/** Writes the three splits as COCO into `dir` unless they are there; returns their loader configs. */
export async function ensureSyntheticSplits(
  dir: string,
  p: SyntheticSplits,
  io: CliIo,
): Promise<Record<"train" | "val" | "test", CocoSplit>> {
  const out = {} as Record<"train" | "val" | "test", CocoSplit>;
  for (const split of ["train", "val", "test"] as const) {
    const target = path.join(dir, split);
    const annotationFile = path.join(target, "annotations.json");
    if (!existsSync(annotationFile)) {
      const t0 = performance.now();
      const r = await generateSynthetic({
        ...p.synthetic,
        size: p.imageSize,
        ...p.splits[split],
        outDir: target,
        overwrite: true,
      });
      io.stderr(
        `data ${split}: ${r.numImages} synthetic images, ${r.numBoxes} boxes -> ${target} (${formatDuration((performance.now() - t0) / 1000)})\n`,
      );
    }
    out[split] = { type: "coco", annotationFile, imageDir: path.join(target, "images") };
  }
  return out;
}
