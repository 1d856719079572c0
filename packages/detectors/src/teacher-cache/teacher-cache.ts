/**
 * Reading an offline teacher cache (written by `buildTeacherCache`) as a {@link Teacher} of the trainer: for a
 * batch, each item is looked up by its sample id and checked against the stored hash of its input pixels, and the
 * requested maps are read from the tap files (float16 decoded to float32) into NHWC `[B,h,w,c]` tensors.
 * A batch input the cache was not built from (augmented, other size or letterbox) is refused with an error
 * naming the sample: the cache applies to un-augmented inputs, or to seeded augmentation over the cached epochs.
 */
import * as tf from "@tensorflow/tfjs-core";
import { open, readFile, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { IdentifiedBatch } from "../train/batch-tensors";
import {
  checkTeacherMaps,
  type Teacher,
  type TeacherBatch,
  type TeacherIdentity,
  type TeacherMapInfo,
  type TeacherRequest,
  type TeacherResult,
} from "../teachers/teacher";
import { inputHash } from "./fingerprint";
import { decodeFloat16 } from "./float16";
import {
  checkManifest,
  parseManifest,
  TeacherCacheError,
  type CacheExpectation,
  type CacheManifest,
} from "./manifest";

/** Options of {@link TeacherCache.open}. */
export interface OpenCacheOptions {
  /** Hash every batch item's pixels and require the cached input (default true; false trusts the ids). */
  verifyInputs?: boolean;
}

/** One sample's cached detections (batch-input pixels, xyxy). */
export interface CachedDetections {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

/**
 * An open teacher cache, a {@link Teacher} of the teacher it was built from: its maps are the cached ones (fixed
 * size; stride = batch-input height it was built at / map height, fractional when the teacher resized the input),
 * its identity the recorded teacher's. Call `dispose()` to close
 * its files.
 */
export class TeacherCache implements Teacher {
  readonly id: string;
  readonly featureNames: readonly string[];
  readonly maps: Readonly<Record<string, TeacherMapInfo>>;
  private readonly byId = new Map<string, number[]>();

  private constructor(
    readonly dir: string,
    readonly manifest: CacheManifest,
    private readonly files: Map<string, FileHandle>,
    private readonly detFile: FileHandle | undefined,
    private readonly verifyInputs: boolean,
  ) {
    this.id = manifest.teacher.id;
    this.featureNames = manifest.taps.map((t) => t.name);
    const [H] = manifest.inputSize;
    this.maps = Object.fromEntries(
      manifest.taps.map((t) => [
        t.name,
        { channels: t.shape[2], stride: H / t.shape[0], size: [t.shape[0], t.shape[1]] as const },
      ]),
    );
    manifest.samples.forEach((s, i) => this.byId.set(s.id, [...(this.byId.get(s.id) ?? []), i]));
  }

  /**
   * Opens the cache in `dir`: parses `manifest.json` (zod), compares it with `expect` (teacher, taps, dataset
   * fingerprint, input size — a mismatch is a {@link TeacherCacheError} naming the field) and checks every data
   * file's size.
   */
  static async open(
    dir: string,
    expect: CacheExpectation = {},
    options: OpenCacheOptions = {},
  ): Promise<TeacherCache> {
    const file = path.join(dir, "manifest.json");
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw new TeacherCacheError(
        "manifest.json",
        `teacher cache: cannot read ${file} (${(e as Error).message}); build it with buildTeacherCache`,
      );
    }
    const m = parseManifest(json, file);
    checkManifest(m, expect, file);
    const bytes = m.dtype === "float16" ? 2 : 4;
    const files = new Map<string, FileHandle>();
    let det: FileHandle | undefined;
    try {
      for (const [k, t] of m.taps.entries()) {
        const want = m.samples.length * t.shape[0] * t.shape[1] * t.shape[2] * bytes;
        await checkSize(path.join(dir, t.file), want, `taps[${k}].file`);
        files.set(t.name, await open(path.join(dir, t.file), "r"));
      }
      if (m.detections) {
        await checkSize(path.join(dir, m.detections.file), m.detections.rows * 24, "detections.file");
        det = await open(path.join(dir, m.detections.file), "r");
      }
    } catch (e) {
      await Promise.all([...files.values()].map((f) => f.close()));
      throw e;
    }
    return new TeacherCache(dir, m, files, det, options.verifyInputs ?? true);
  }

  /**
   * The cache row of each batch item: the sample with the item's id whose stored input hash equals the item's
   * pixels (or the only one, without `verifyInputs`). Errors name the sample, its batch position and the cause.
   */
  rowsOf(batch: IdentifiedBatch): number[] {
    const [H, W] = this.manifest.inputSize;
    if (batch.height !== H || batch.width !== W)
      throw new TeacherCacheError(
        "inputSize",
        `teacher cache ${this.dir}: batch input ${batch.height}×${batch.width}, the cache was built at ${H}×${W}`,
      );
    return batch.items.map((it, i) => {
      if (it.imageId === undefined)
        throw new TeacherCacheError(
          "samples",
          `teacher cache ${this.dir}: batch item ${i} has no imageId; a teacher cache needs batches whose items carry it (a @kdet/data Batch)`,
        );
      const id = String(it.imageId);
      const rows = this.byId.get(id);
      if (!rows)
        throw new TeacherCacheError(
          "samples",
          `teacher cache ${this.dir}: sample "${id}" (batch item ${i}) is not in the cache (${this.manifest.samples.length} cached inputs); was it built from this dataset and split?`,
        );
      if (!this.verifyInputs) {
        if (rows.length !== 1)
          throw new TeacherCacheError(
            "samples",
            `teacher cache ${this.dir}: sample "${id}" has ${rows.length} cached inputs (several epochs); open the cache with verifyInputs to pick by pixels`,
          );
        return rows[0]!;
      }
      const h = inputHash(batch, i);
      const row = rows.find((r) => this.manifest.samples[r]!.inputHash === h);
      if (row === undefined) {
        const epochs = [...new Set(rows.map((r) => this.manifest.samples[r]!.epoch))].join(", ");
        throw new TeacherCacheError(
          "samples.inputHash",
          `teacher cache ${this.dir}: the pixels of sample "${id}" (batch item ${i}) differ from its cached input(s) (epochs ${epochs}): the loader augments or prepares images differently. A teacher cache holds only the inputs it was built from: train with augment: false, or build the cache with the same seeded augmentation over every epoch you train (epochs option), or use the live teacher`,
        );
      }
      return row;
    });
  }

  /** The identity of the teacher the cache was built from (as recorded in its manifest). */
  identity(): TeacherIdentity {
    return { ...this.manifest.teacher };
  }

  /** The requested maps (and the cached detections, when asked) of the batch, read from disk. */
  async infer(input: TeacherBatch, request: TeacherRequest): Promise<TeacherResult> {
    checkTeacherMaps(this, request.maps, `teacher cache ${this.dir}`);
    const maps = await this.features(input.batch, request.maps);
    if (!request.detections) return { maps };
    if (!this.detFile) {
      tf.dispose(Object.values(maps));
      throw new TeacherCacheError(
        "detections",
        `teacher cache ${this.dir}: built without detections (buildTeacherCache detections: true stores them)`,
      );
    }
    return { maps, detections: await this.detections(input.batch) };
  }

  /** The maps `names` of the batch as NHWC float32 tensors `[B,h,w,c]` (caller-owned). */
  async features(batch: IdentifiedBatch, names: readonly string[]): Promise<Record<string, tf.Tensor4D>> {
    const rows = this.rowsOf(batch);
    const out: Record<string, tf.Tensor4D> = {};
    for (const name of names) {
      const tap = this.manifest.taps.find((t) => t.name === name);
      const fh = this.files.get(name);
      if (!tap || !fh)
        throw new TeacherCacheError(
          "taps",
          `teacher cache ${this.dir}: no map "${name}" (cached: ${this.featureNames.join(", ")})`,
        );
      const [h, w, c] = tap.shape;
      const n = h * w * c;
      const values = new Float32Array(rows.length * n);
      await Promise.all(rows.map((r, i) => this.readRow(fh, r, n, values.subarray(i * n, (i + 1) * n))));
      out[name] = tf.tensor4d(values, [rows.length, h, w, c]);
    }
    return out;
  }

  /** The cached detections of each batch item (empty when the cache has none). */
  async detections(batch: IdentifiedBatch): Promise<CachedDetections[]> {
    const rows = this.rowsOf(batch);
    return Promise.all(
      rows.map(async (r) => {
        const [first, count] = this.manifest.samples[r]!.detections ?? [0, 0];
        const buf = new Float32Array(6 * count);
        if (count && this.detFile)
          await this.detFile.read(new Uint8Array(buf.buffer), 0, buf.byteLength, first * 24);
        return {
          boxes: Float32Array.from({ length: 4 * count }, (_, k) => buf[6 * Math.floor(k / 4) + (k % 4)]!),
          scores: Float32Array.from({ length: count }, (_, j) => buf[6 * j + 4]!),
          classes: Int32Array.from({ length: count }, (_, j) => buf[6 * j + 5]!),
        };
      }),
    );
  }

  private async readRow(fh: FileHandle, row: number, n: number, dst: Float32Array): Promise<void> {
    if (this.manifest.dtype === "float32") {
      await fh.read(
        new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength),
        0,
        dst.byteLength,
        row * n * 4,
      );
      return;
    }
    const half = new Uint16Array(n);
    await fh.read(new Uint8Array(half.buffer), 0, half.byteLength, row * n * 2);
    decodeFloat16(half, dst);
  }

  /** Closes the cache files. */
  async dispose(): Promise<void> {
    await Promise.all(
      [...this.files.values(), ...(this.detFile ? [this.detFile] : [])].map((f) => f.close()),
    );
    this.files.clear();
  }
}

async function checkSize(file: string, want: number, field: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new TeacherCacheError(
      field,
      `teacher cache: ${file} is missing (field "${field}" of the manifest)`,
    );
  }
  if (size !== want)
    throw new TeacherCacheError(
      field,
      `teacher cache: ${file} has ${size} bytes, the manifest implies ${want} (truncated or from another build)`,
    );
}

/** Opens a teacher cache (see {@link TeacherCache.open}). */
export function openTeacherCache(
  dir: string,
  expect: CacheExpectation = {},
  options: OpenCacheOptions = {},
): Promise<TeacherCache> {
  return TeacherCache.open(dir, expect, options);
}
