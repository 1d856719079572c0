import * as tf from "@tensorflow/tfjs-core";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Detector, DetectorSpec } from "../detector";
import { createDetector, DETECTOR_IDS, type DetectorId } from "../registry";
import { writeFileAtomic } from "./atomic-write";
import { assignNamed, variablesByName } from "./weights-map";

/** Default shard size of tfjs converters (4 MiB). */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

const weightEntrySchema = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().min(0)),
    dtype: z.enum(["float32", "int32", "bool"]),
  })
  .passthrough();
const modelJsonSchema = z
  .object({
    format: z.literal("kdet-detector"),
    generatedBy: z.string().optional(),
    convertedBy: z.string().nullable().optional(),
    modelTopology: z.object({
      class: z.literal("kdet.Detector"),
      id: z.enum(DETECTOR_IDS as [DetectorId, ...DetectorId[]]),
      config: z.record(z.string(), z.unknown()),
    }),
    weightsManifest: z
      .array(
        z.object({
          paths: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, "a file name in the same folder")).min(1),
          weights: z.array(weightEntrySchema),
        }),
      )
      .length(1),
  })
  .passthrough();

/**
 * Saves `detector`'s weights (every variable, BN running statistics included) in the TensorFlow.js
 * weights format: `model.json` (`weightsManifest` with one group, shards `group1-shard{i}of{n}.bin`
 * of at most `shardBytes`) plus the detector's registry spec as `modelTopology`. Files are written
 * atomically, `model.json` last. The folder is created if needed.
 */
export async function saveWeights(
  detector: Detector,
  dir: string,
  opts: { shardBytes?: number } = {},
): Promise<void> {
  if (!detector.spec)
    throw new Error("saveWeights: the detector has no registry spec (build it with createDetector)");
  const { data, specs } = await tf.io.encodeWeights(variablesByName(detector));
  const bytes = new Uint8Array(data);
  const shard = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  const n = Math.max(1, Math.ceil(bytes.length / shard));
  const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++)
    await writeFileAtomic(
      path.join(dir, paths[i] as string),
      bytes.subarray(i * shard, Math.min((i + 1) * shard, bytes.length)),
    );
  const json = {
    format: "kdet-detector",
    generatedBy: "@kdet/detectors",
    convertedBy: null,
    modelTopology: { class: "kdet.Detector", ...detector.spec },
    weightsManifest: [{ paths, weights: specs }],
  };
  await writeFileAtomic(path.join(dir, "model.json"), JSON.stringify(json, null, 1));
}

async function readManifest(
  dir: string,
): Promise<{ spec: DetectorSpec; tensors: tf.NamedTensorMap; file: string }> {
  const file = path.join(dir, "model.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new Error(`loadWeights: cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `loadWeights: ${file} is not a kdet detector model.json: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const group = parsed.data.weightsManifest[0]!;
  const shards = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
  const total = shards.reduce((a, s) => a + s.length, 0);
  const buf = new Uint8Array(total);
  let o = 0;
  for (const s of shards) buf.set(s, o), (o += s.length);
  const expected = group.weights.reduce((a, w) => a + 4 * w.shape.reduce((x, y) => x * y, 1), 0);
  if (total !== expected)
    throw new Error(`loadWeights: shards of ${file} hold ${total} bytes, the manifest describes ${expected}`);
  const tensors = tf.io.decodeWeights(buf.buffer, group.weights as tf.io.WeightsManifestEntry[]);
  const { id, config } = parsed.data.modelTopology;
  return { spec: { id, config }, tensors, file };
}

/** Loads weights saved by {@link saveWeights} into `detector` (names and shapes must match exactly). */
export async function loadWeights(detector: Detector, dir: string): Promise<void> {
  const { tensors, file } = await readManifest(dir);
  try {
    assignNamed(detector, tensors, `loadWeights(${file})`);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Rebuilds the detector recorded in `dir/model.json` (registry id + config) and loads its weights. */
export async function loadDetector(dir: string): Promise<Detector> {
  const { spec, tensors, file } = await readManifest(dir);
  try {
    const det = createDetector(spec.id as DetectorId, spec.config as never);
    try {
      assignNamed(det, tensors, `loadDetector(${file})`);
    } catch (e) {
      det.dispose();
      throw e;
    }
    return det;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
