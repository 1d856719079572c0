/**
 * The teacher-cache manifest (`manifest.json`, zod-validated on every read) and the checks that a cache fits a
 * training run: same teacher (id and variant), the requested taps, the same dataset and input size. A mismatch is
 * a {@link TeacherCacheError} naming the field, the cached value and the expected one.
 */
import { z } from "zod";

/** Format tag and version of the manifest. */
export const CACHE_FORMAT = "kdet-teacher-cache";
export const CACHE_VERSION = 1;

const size2 = z.tuple([z.number().int().positive(), z.number().int().positive()]);

/** One cached map: its name, file (beside the manifest) and per-sample NHWC shape `[h, w, c]`. */
export const CacheTapSchema = z
  .object({
    name: z.string().min(1),
    file: z.string().regex(/^[A-Za-z0-9._-]+$/, "a plain file name inside the cache folder"),
    shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    /** Largest |value| of the map over the dataset (float32, before encoding). */
    maxAbs: z.number().nonnegative(),
    /** float16 caches: measured encoding error over the dataset — max relative error (|x| ≥ 2^−14) and relative L2. */
    float16Error: z
      .object({ maxRel: z.number().nonnegative(), relL2: z.number().nonnegative() })
      .strict()
      .optional(),
  })
  .strict();

/**
 * One cached input: the dataset sample id (as a string), its record index, the epoch of the loader it was read
 * in and the SHA-1 of its pixels quantised to 0..255 (so an augmented or differently sized input is detected);
 * `detections` = `[first row, count]` in `detections.bin`.
 */
export const CacheSampleSchema = z
  .object({
    id: z.string(),
    index: z.number().int().min(0),
    epoch: z.number().int().min(0),
    inputHash: z.string().regex(/^[0-9a-f]{40}$/),
    detections: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
  })
  .strict();

/** The manifest. Row `i` of every tap file is `samples[i]`. */
export const CacheManifestSchema = z
  .object({
    format: z.literal(CACHE_FORMAT),
    version: z.literal(CACHE_VERSION),
    teacher: z
      .object({
        kind: z.enum(["pretrained", "detector"]),
        /** Registry id (`centernet-mbv3`, `yolov8-s`). */
        id: z.string().min(1),
        /** What else fixes the outputs: the resize mode of a pretrained teacher, the weights' SHA-1 of a detector. */
        variant: z.string(),
      })
      .strict(),
    /** Student batch input `[H, W]` the teacher ran on (the teacher resizes it to its own input). */
    inputSize: size2,
    dtype: z.enum(["float16", "float32"]),
    taps: z.array(CacheTapSchema).min(1),
    dataset: z
      .object({ fingerprint: z.string().regex(/^[0-9a-f]{40}$/), numRecords: z.number().int().min(0) })
      .strict(),
    samples: z.array(CacheSampleSchema),
    /** `detections.bin`: float32 rows `[x1, y1, x2, y2, score, class]` in batch-input pixels, or null. */
    detections: z
      .object({ file: z.literal("detections.bin"), rows: z.number().int().min(0) })
      .strict()
      .nullable(),
    createdAt: z.string(),
    buildSeconds: z.number().nonnegative(),
  })
  .strict();
/** A parsed manifest. */
export type CacheManifest = z.output<typeof CacheManifestSchema>;

/** A cache problem; `field` names the manifest field (or the file) that is wrong. */
export class TeacherCacheError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "TeacherCacheError";
  }
}

/** What a run expects of a cache; every given field is compared with the manifest. */
export interface CacheExpectation {
  teacher?: { kind?: "pretrained" | "detector"; id?: string; variant?: string };
  /** Maps the run needs (a subset of the cached taps). */
  taps?: readonly string[];
  /** The dataset's fingerprint (`datasetFingerprint(dataset)`). */
  datasetFingerprint?: string;
  inputSize?: readonly [number, number];
  dtype?: "float16" | "float32";
}

/** Parses a manifest (zod); errors name the file and the first bad field. */
export function parseManifest(json: unknown, file: string): CacheManifest {
  const r = CacheManifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join(".") || "(root)";
    throw new TeacherCacheError(
      field,
      `teacher cache: ${file}: field "${field}": ${issue.message} (${r.error.issues.length} problem(s); rebuild the cache with buildTeacherCache)`,
    );
  }
  return r.data;
}

/** Throws a {@link TeacherCacheError} naming the first field of `m` that differs from `e`. */
export function checkManifest(m: CacheManifest, e: CacheExpectation, file: string): void {
  const fail = (field: string, got: unknown, want: unknown) => {
    throw new TeacherCacheError(
      field,
      `teacher cache: ${file}: field "${field}" is ${JSON.stringify(got)}, the run expects ${JSON.stringify(want)} (rebuild the cache for this teacher/dataset, or point to the right one)`,
    );
  };
  for (const k of ["kind", "id", "variant"] as const)
    if (e.teacher?.[k] !== undefined && e.teacher[k] !== m.teacher[k])
      fail(`teacher.${k}`, m.teacher[k], e.teacher[k]);
  if (e.inputSize && (e.inputSize[0] !== m.inputSize[0] || e.inputSize[1] !== m.inputSize[1]))
    fail("inputSize", m.inputSize, e.inputSize);
  if (e.datasetFingerprint !== undefined && e.datasetFingerprint !== m.dataset.fingerprint)
    fail("dataset.fingerprint", m.dataset.fingerprint, e.datasetFingerprint);
  if (e.dtype !== undefined && e.dtype !== m.dtype) fail("dtype", m.dtype, e.dtype);
  const have = m.taps.map((t) => t.name);
  const missing = (e.taps ?? []).filter((t) => !have.includes(t));
  if (missing.length) fail("taps", have, [...new Set([...have, ...missing])]);
}
