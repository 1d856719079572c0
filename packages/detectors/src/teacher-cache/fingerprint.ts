/**
 * Identities of what a teacher cache depends on: the dataset (its records), one batch input (its pixels) and the
 * teacher (registry id plus resize mode or weights). All are SHA-1 hex digests (node:crypto).
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { Dataset } from "@kdet/data";
import { Detector } from "../detector";
import { namedVariables } from "../io/named-variables";
import type { Teacher } from "../teachers/teacher";
import type { BatchLike } from "../train/batch-tensors";

/**
 * SHA-1 of a dataset's records in order: image id, file path relative to the root, original size, boxes and
 * classes. Another split, another order, an edited label or a moved root-relative file changes it.
 */
export function datasetFingerprint(ds: Dataset): string {
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

/** Cache identity of a teacher: kind, registry id and variant (pretrained: resize mode; detector: weights SHA-1). */
export function teacherIdentity(t: Detector | Teacher): {
  kind: "pretrained" | "detector";
  id: string;
  variant: string;
} {
  if (t instanceof Detector) {
    const h = createHash("sha1");
    for (const { name, variable } of namedVariables(t)) {
      const v = variable.dataSync() as Float32Array;
      h.update(`${name}:${variable.shape.join("x")}|`).update(
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      );
    }
    return { kind: "detector", id: t.spec?.id ?? "detector", variant: `weights-sha1:${h.digest("hex")}` };
  }
  const resize = (t as { spec?: { resize?: string } }).spec?.resize;
  return {
    kind: "pretrained",
    id: t.id,
    variant: `resize:${resize ?? "default"};input:${t.inputSize.join("x")}`,
  };
}
