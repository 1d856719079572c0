/**
 * Loader for reference-implementation golden vectors (format: `testdata/loss-goldens/README.md`).
 *
 * Files are NCHW and use PyTorch weight layouts; helpers here convert to kdet's NHWC / HWIO.
 * The folder comes from `KDET_LOSS_GOLDENS`, else the repository's `testdata/loss-goldens`.
 * Test-only module: it is not exported from the package index.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";

/** One stored array: flat row-major `data` over `shape`. */
export const GoldenArray = z.object({
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(["float32", "float64", "int32", "int64", "bool", "uint8"]),
  data: z.array(z.union([z.number(), z.boolean()])),
});
export type GoldenArray = z.infer<typeof GoldenArray>;

const GradEntry = GoldenArray.extend({ wrt: z.string() });

/** A golden file, validated loosely: fields not listed pass through untouched. */
export const GoldenFile = z.looseObject({
  loss: z.string(),
  vector: z.string(),
  reference: z.string(),
  layout: z.string().optional(),
  params: z.record(z.string(), z.unknown()),
  inputs: z.record(z.string(), z.unknown()),
  weights: z.record(z.string(), z.unknown()).optional().default({}),
  expected: z.looseObject({
    loss_f64: z.number().optional(),
    grad_student_f64: z.union([GradEntry, z.array(GradEntry)]).optional(),
  }),
  tolerance: z.record(z.string(), z.number()),
  notes: z.string().optional(),
});
export type GoldenFile = z.infer<typeof GoldenFile> & { path: string };

/** Folder holding the golden vectors (env `KDET_LOSS_GOLDENS`, default the repository's `testdata/loss-goldens`). */
export function goldenRoot(): string {
  return (
    process.env.KDET_LOSS_GOLDENS ??
    join(import.meta.dirname, "..", "..", "..", "..", "testdata", "loss-goldens")
  );
}

/** Every golden file of one loss folder (e.g. `cwd`), sorted by name; [] when the folder is absent. */
export function loadGoldens(loss: string, root = goldenRoot()): GoldenFile[] {
  const dir = join(root, loss);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const parsed = GoldenFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (!parsed.success) throw new Error(`golden ${path}: ${parsed.error.message}`);
      return { ...parsed.data, path };
    });
}

/** Parses `value` as a stored array, naming `what` in the error. */
export function goldenArray(value: unknown, what: string): GoldenArray {
  const parsed = GoldenArray.safeParse(value);
  if (!parsed.success) throw new Error(`golden array ${what}: ${parsed.error.message}`);
  return parsed.data;
}

/** A stored array as a tensor (float32, or int32 for integer dtypes), same shape and layout. */
export function toTensor(value: unknown, what = "array"): tf.Tensor {
  const a = goldenArray(value, what);
  const isInt = a.dtype === "int32" || a.dtype === "int64" || a.dtype === "bool" || a.dtype === "uint8";
  const data = a.data.map((v) => (typeof v === "boolean" ? Number(v) : v));
  return tf.tensor(data, a.shape, isInt ? "int32" : "float32");
}

/** NCHW → NHWC (perm [0,2,3,1]); rank-3 [N,H,W] masks pass through unchanged. */
export function nchwToNhwc(t: tf.Tensor): tf.Tensor {
  return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
}

/** A stored NCHW feature map as an NHWC tensor. */
export function featureNhwc(value: unknown, what = "feature"): tf.Tensor4D {
  return tf.tidy(() => nchwToNhwc(toTensor(value, what))) as tf.Tensor4D;
}

/** PyTorch conv weight OIHW → tfjs filter HWIO (perm [2,3,1,0]). */
export function convWeightHwio(value: unknown, what = "conv weight"): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(toTensor(value, what), [2, 3, 1, 0])) as tf.Tensor4D;
}

/** PyTorch linear weight [out,in] → dense kernel [in,out]. */
export function linearKernel(value: unknown, what = "linear weight"): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(toTensor(value, what))) as tf.Tensor2D;
}

/** The student gradients of a file as a list (a single entry becomes a one-element list). */
export function studentGrads(file: GoldenFile): Array<z.infer<typeof GradEntry>> {
  const g = file.expected.grad_student_f64;
  return g === undefined ? [] : Array.isArray(g) ? g : [g];
}

/** |ours − ref| ≤ rtol·|ref| — the golden loss tolerance rule. Returns the relative error. */
export function relErr(ours: number, ref: number): number {
  return Math.abs(ours - ref) / Math.max(Math.abs(ref), 1e-30);
}

/** max|g − ref| / max|ref| — the golden gradient tolerance rule. Inputs in the same layout. */
export function gradErrRelToMax(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (ours.length !== ref.length)
    throw new Error(`gradient length ${ours.length} != reference ${ref.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((ours[i] as number) - (ref[i] as number)));
    maxRef = Math.max(maxRef, Math.abs(ref[i] as number));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}
