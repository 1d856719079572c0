/**
 * Building an offline teacher cache: run the teacher once over a dataset's batches and store its tapped maps
 * (features and dense class scores), and optionally its detections, in a folder:
 * - `manifest.json` — {@link CacheManifestSchema} (teacher id/variant, taps with per-sample NHWC shapes, dtype,
 *   dataset fingerprint, input size, samples with id and input hash);
 * - `tap-<k>.f16` / `.f32` — per tap, one row per sample (row i = `samples[i]`), NHWC `[h,w,c]` little-endian
 *   IEEE float16 (default; see `float16.ts`) or float32;
 * - `detections.bin` — float32 rows `[x1, y1, x2, y2, score, class]` in batch-input pixels.
 * The folder is written under a temporary name and renamed into place when complete (manifest last), so a
 * reader never sees a partial cache; an existing cache is only replaced with `overwrite`.
 *
 * Inputs: the cache holds the teacher's outputs for exactly the batch inputs it was built from (each sample's
 * pixel hash is stored). Build it from an un-augmented loader (`augment: false`); a loader with seeded
 * augmentation works only when the trainer visits the same (seed, epoch) inputs — pass those `epochs`. Any other
 * input is refused at training time with an error naming the sample.
 */
import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { fsyncDir } from "../io/atomic-write";
import { inferBatch } from "../teachers/infer-batch";
import { checkTeacherMaps, type Teacher } from "../teachers/teacher";
import type { BatchLike } from "../train/batch-tensors";
import { datasetFingerprint, type FingerprintDataset, inputHash } from "./fingerprint";
import { decodeFloat16, encodeFloat16, FLOAT16_MAX } from "./float16";
import { CACHE_FORMAT, CACHE_VERSION, TeacherCacheError, type CacheManifest } from "./manifest";

/** Plain options of {@link buildTeacherCache} (zod-validated). */
export const BuildCacheOptionsSchema = z
  .object({
    /** Cache folder (created; must not exist unless `overwrite`). */
    dir: z.string().min(1),
    /** Maps to store: names of `teacher.maps` (module paths of a detector; taps and `scores.<level>` of a pretrained one). */
    taps: z.array(z.string().min(1)).min(1),
    dtype: z.enum(["float16", "float32"]).default("float16"),
    /** Loader epochs to precompute (default `[0]`; several only for seeded augmentation). */
    epochs: z.array(z.number().int().min(0)).min(1).default([0]),
    /** Also store the teacher's detections (default true). */
    detections: z.boolean().default(true),
    overwrite: z.boolean().default(false),
    /**
     * float16 only: largest accepted relative L2 error ‖f16(x) − x‖ / ‖x‖ of a map over the dataset (measured while
     * building). Maps of tiny magnitude (|x| < 2^−14 lands in float16's subnormals, e.g. an untrained network's
     * deep features) exceed it and are refused; use float32 for them.
     */
    float16MaxRelL2: z.number().positive().default(1e-3),
  })
  .strict();
/** Input of {@link BuildCacheOptionsSchema}. */
export type BuildCacheOptionsInput = z.input<typeof BuildCacheOptionsSchema>;

/** A batch a cache is built from: its items carry their sample id and dataset index (a `@kdet/data` Batch does). */
export type SampleBatch = Omit<BatchLike, "items"> & {
  items: ReadonlyArray<BatchLike["items"][number] & { imageId: string | number; index: number }>;
};

/** What {@link buildTeacherCache} is given besides its plain options. */
export interface BuildCacheSources {
  /** The teacher (`detectorTeacher(det)`, `loadTeacher(id)`, …); its identity goes into the manifest. */
  teacher: Teacher;
  /** The dataset the batches come from (its fingerprint goes into the manifest). */
  dataset: FingerprintDataset;
  /** The batches, e.g. `createBatchLoader(dataset, { size, batchSize, shuffle: false, augment: false })`. */
  data: { epoch(e: number): AsyncIterable<SampleBatch> | Iterable<SampleBatch> };
}

/** Result of {@link buildTeacherCache}. */
export interface BuildCacheResult {
  dir: string;
  manifest: CacheManifest;
  /** Bytes of all files of the cache. */
  bytes: number;
  seconds: number;
}

/** Runs the teacher over `data.epoch(e)` for each epoch and writes the cache folder (see the module comment). */
export async function buildTeacherCache(
  src: BuildCacheSources,
  options: BuildCacheOptionsInput,
): Promise<BuildCacheResult> {
  const o = BuildCacheOptionsSchema.parse(options);
  const t0 = performance.now();
  const dir = path.resolve(o.dir);
  if (existsSync(dir) && !o.overwrite)
    throw new TeacherCacheError(
      "dir",
      `buildTeacherCache: ${dir} exists (pass overwrite: true to replace it)`,
    );
  if (new Set(o.taps).size !== o.taps.length)
    throw new TeacherCacheError("taps", `buildTeacherCache: taps ${JSON.stringify(o.taps)} repeat a name`);
  checkTeacherMaps(src.teacher, o.taps, "buildTeacherCache");
  const identity = src.teacher.identity();
  const ext = o.dtype === "float16" ? "f16" : "f32";
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const handles: FileHandle[] = [];
  try {
    const taps = o.taps.map((name, k) => new TapWriter(name, k, `tap-${k}.${ext}`, o.dtype));
    for (const t of taps) handles.push((t.file = await open(path.join(tmp, t.fileName), "w")));
    const detFile = o.detections ? await open(path.join(tmp, "detections.bin"), "w") : undefined;
    if (detFile) handles.push(detFile);
    const samples: CacheManifest["samples"] = [];
    const seen = new Set<string>();
    let detRows = 0;
    let inputSize: [number, number] | undefined;
    for (const epoch of o.epochs) {
      for await (const batch of src.data.epoch(epoch)) {
        if (!inputSize) inputSize = [batch.height, batch.width];
        else if (inputSize[0] !== batch.height || inputSize[1] !== batch.width)
          throw new TeacherCacheError(
            "inputSize",
            `buildTeacherCache: batch of ${batch.height}×${batch.width} after ${inputSize.join("×")} (one input size per cache)`,
          );
        const hashes = batch.items.map((_, i) => inputHash(batch, i));
        const fresh = batch.items.map((it, i) => !seen.has(`${String(it.imageId)}|${hashes[i]}`));
        if (!fresh.some(Boolean)) continue;
        const { maps, detections: dets } = await inferBatch(src.teacher, batch, {
          maps: o.taps,
          detections: o.detections,
        });
        try {
          for (const tap of taps) await tap.write(maps[tap.name]!, batch, fresh);
        } finally {
          tf.dispose(Object.values(maps));
        }
        for (const [i, it] of batch.items.entries()) {
          if (!fresh[i]) continue;
          seen.add(`${String(it.imageId)}|${hashes[i]}`);
          const sample: CacheManifest["samples"][number] = {
            id: String(it.imageId),
            index: it.index,
            epoch,
            inputHash: hashes[i]!,
          };
          if (detFile && dets) {
            const d = dets[i]!;
            const m = d.scores.length;
            const rows = new Float32Array(6 * m);
            for (let j = 0; j < m; j++)
              rows.set(
                [
                  d.boxes[4 * j]!,
                  d.boxes[4 * j + 1]!,
                  d.boxes[4 * j + 2]!,
                  d.boxes[4 * j + 3]!,
                  d.scores[j]!,
                  d.classes[j]!,
                ],
                6 * j,
              );
            await detFile.write(new Uint8Array(rows.buffer));
            sample.detections = [detRows, m];
            detRows += m;
          }
          samples.push(sample);
        }
      }
    }
    if (!inputSize) throw new TeacherCacheError("samples", "buildTeacherCache: the data gave no batches");
    for (const t of taps) {
      if (o.dtype === "float16" && t.relL2 > o.float16MaxRelL2) {
        throw new TeacherCacheError(
          `taps[${t.index}]`,
          `buildTeacherCache: map "${t.name}" loses ${t.relL2.toExponential(2)} (relative L2) in float16, above float16MaxRelL2 = ${o.float16MaxRelL2} (max |x| = ${t.maxAbs.toExponential(2)}; values below 2^-14 ≈ 6.1e-5 lose precision in float16); use dtype "float32"`,
        );
      }
    }
    for (const h of handles) await h.sync();
    const manifest: CacheManifest = {
      format: CACHE_FORMAT,
      version: CACHE_VERSION,
      teacher: identity,
      inputSize,
      dtype: o.dtype,
      taps: taps.map((t) => t.entry()),
      dataset: { fingerprint: datasetFingerprint(src.dataset), numRecords: src.dataset.records.length },
      samples,
      detections: o.detections ? { file: "detections.bin", rows: detRows } : null,
      createdAt: new Date().toISOString(),
      buildSeconds: (performance.now() - t0) / 1000,
    };
    const mf = await open(path.join(tmp, "manifest.json"), "w");
    handles.push(mf);
    await mf.writeFile(JSON.stringify(manifest));
    await mf.sync();
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await swapInto(tmp, dir);
    return { dir, manifest, bytes: await folderBytes(dir), seconds: manifest.buildSeconds };
  } catch (e) {
    await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Writes one map's rows (NHWC `[h,w,c]` per sample) to its tap file, checking the shape, finiteness and the float16
 * range, and measuring float16's error: max relative error over |x| ≥ 2^−14 (normal range) and ‖f16(x) − x‖/‖x‖.
 */
class TapWriter {
  file: FileHandle | undefined;
  shape: [number, number, number] | undefined;
  maxAbs = 0;
  private maxRel = 0;
  private sq = 0;
  private ref = 0;

  constructor(
    readonly name: string,
    readonly index: number,
    readonly fileName: string,
    readonly dtype: "float16" | "float32",
  ) {}

  get relL2(): number {
    return this.ref > 0 ? Math.sqrt(this.sq / this.ref) : 0;
  }

  /** Appends the rows of the batch items flagged `fresh`. */
  async write(t: tf.Tensor4D, batch: SampleBatch, fresh: boolean[]): Promise<void> {
    const [n, h, w, c] = t.shape;
    const field = `taps[${this.index}]`;
    if (n !== batch.batchSize)
      throw new TeacherCacheError(
        field,
        `buildTeacherCache: map "${this.name}" has batch ${n} for ${batch.batchSize} images`,
      );
    if (!this.shape) this.shape = [h, w, c];
    else if (this.shape.join() !== [h, w, c].join())
      throw new TeacherCacheError(
        `${field}.shape`,
        `buildTeacherCache: map "${this.name}" is [${h},${w},${c}] after [${this.shape.join(",")}]`,
      );
    const data = (await t.data()) as Float32Array;
    const row = h * w * c;
    for (let i = 0; i < n; i++) {
      if (!fresh[i]) continue;
      const r = data.subarray(i * row, (i + 1) * row);
      for (const v of r) if (!(Math.abs(v) <= this.maxAbs)) this.maxAbs = Math.abs(v);
      const id = String(batch.items[i]!.imageId);
      if (!Number.isFinite(this.maxAbs))
        throw new TeacherCacheError(
          field,
          `buildTeacherCache: map "${this.name}" of sample ${id} is not finite`,
        );
      let bytes: Uint16Array | Float32Array = r;
      if (this.dtype === "float16") {
        if (this.maxAbs > FLOAT16_MAX)
          throw new TeacherCacheError(
            field,
            `buildTeacherCache: map "${this.name}" reaches |x| = ${this.maxAbs} > ${FLOAT16_MAX} (float16 max) at sample ${id}; use dtype "float32"`,
          );
        bytes = encodeFloat16(r);
        this.addError(r, decodeFloat16(bytes));
      }
      await this.file!.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  }

  private addError(x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const d = y[i]! - v;
      this.sq += d * d;
      this.ref += v * v;
      if (Math.abs(v) >= 2 ** -14) this.maxRel = Math.max(this.maxRel, Math.abs(d) / Math.abs(v));
    }
  }

  /** The manifest entry. */
  entry(): CacheManifest["taps"][number] {
    const e = { name: this.name, file: this.fileName, shape: this.shape!, maxAbs: this.maxAbs };
    return this.dtype === "float16" ? { ...e, float16Error: { maxRel: this.maxRel, relL2: this.relL2 } } : e;
  }
}

/**
 * Renames the finished `tmp` folder to `dir`, replacing an existing `dir` (old one removed after the swap), then
 * fsyncs the parent folder so the rename survives a power loss.
 */
async function swapInto(tmp: string, dir: string): Promise<void> {
  if (existsSync(dir)) {
    const old = `${dir}.old-${process.pid}-${Date.now()}`;
    await rename(dir, old);
    await rename(tmp, dir);
    await rm(old, { recursive: true, force: true });
  } else await rename(tmp, dir);
  await fsyncDir(path.dirname(dir));
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) total += (await stat(path.join(dir, f))).size;
  return total;
}
