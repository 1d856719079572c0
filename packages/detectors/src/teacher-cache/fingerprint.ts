/**
 * Identities of what a teacher cache depends on: the dataset (its records) and one batch input (its pixels), as
 * SHA-1 hex digests (node:crypto). The teacher's own identity is `Teacher.identity()`.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { BatchLike } from "../train/batch-tensors";

/** The parts of a `@kdet/data` Dataset a fingerprint reads (structural: this package does not depend on data). */
export interface FingerprintDataset {
  format: string;
  /** Folder the dataset was read from; record files are fingerprinted relative to it. */
  root: string;
  classNames: readonly string[];
  records: ReadonlyArray<{
    imageId: string | number;
    file: string;
    width: number;
    height: number;
    boxes: Float32Array;
    classes: Int32Array;
  }>;
}

/**
 * SHA-1 of a dataset's records in order: image id, file path relative to the root, original size, boxes and
 * classes. Another split, another order, an edited label or a moved root-relative file changes it.
 */
export function datasetFingerprint(ds: FingerprintDataset): string {
  const h = createHash("sha1");
  h.update(`${ds.format}\n${ds.classNames.join(",")}\n`);
  for (const r of ds.records) {
    h.update(`${String(r.imageId)}|${r.file ? path.relative(ds.root, r.file) : ""}|${r.width}x${r.height}|`);
    h.update(new Uint8Array(r.boxes.buffer, r.boxes.byteOffset, r.boxes.byteLength));
    h.update(new Uint8Array(r.classes.buffer, r.classes.byteOffset, r.classes.byteLength));
    h.update("\n");
  }
  return h.digest("hex");
}

/**
 * SHA-1 of item `i`'s pixels of a batch, quantised to bytes (`round(clamp(v,0,1)·255)` for float32 0..1; uint8 as
 * is), so the same letterboxed image gives the same hash from float32 or uint8 loaders. Differences below half a
 * grey level (1/510) are not seen.
 */
export function inputHash(batch: BatchLike, i: number): string {
  const n = batch.height * batch.width * 3;
  const px = batch.images.subarray(i * n, (i + 1) * n);
  let bytes: Uint8Array;
  if (px instanceof Uint8Array) bytes = px;
  else {
    bytes = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      const v = px[j]! * 255 + 0.5;
      bytes[j] = v <= 0 ? 0 : Math.min(v, 255);
    }
  }
  return createHash("sha1").update(`${batch.height}x${batch.width}|`).update(bytes).digest("hex");
}
