/**
 * Test-only helpers for the golden tests of the logit/head losses: required golden folders,
 * typed params, the loss / gradient / output tolerance rules of `loss-goldens/README.md`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import type { z } from "zod";
import {
  goldenArray,
  goldenRoot,
  gradErrRelToMax,
  loadGoldens,
  relErr,
  studentGrads,
  type GoldenFile,
} from "./golden";

/** Every golden file of a folder; throws (failing the suite) when there are none. */
export function goldenCases(loss: string): GoldenFile[] {
  const files = loadGoldens(loss);
  if (files.length === 0)
    throw new Error(`no golden vectors for '${loss}' under ${goldenRoot()} (set KDET_LOSS_GOLDENS)`);
  return files;
}

/** The file's `params`, validated by `schema` (error names the file). */
export function goldenParams<T extends z.ZodType>(file: GoldenFile, schema: T): z.infer<T> {
  const r = schema.safeParse(file.params);
  if (!r.success) throw new Error(`golden ${file.path}: params: ${r.error.message}`);
  return r.data;
}

/** A tolerance of the file (error when missing). */
export function tol(file: GoldenFile, key: string): number {
  const v = file.tolerance[key];
  if (v === undefined) throw new Error(`golden ${file.path}: tolerance.${key} missing`);
  return v;
}

/** A number under `expected.<group>.<key>` (e.g. components_f64.tckd_loss). */
export function expectedNumber(file: GoldenFile, group: string, key: string): number {
  const g = (file.expected as Record<string, unknown>)[group] as Record<string, unknown> | undefined;
  const v = g?.[key];
  if (typeof v !== "number") throw new Error(`golden ${file.path}: expected.${group}.${key} is not a number`);
  return v;
}

/** An array under `expected.<group>.<key>`. */
export function expectedArray(file: GoldenFile, group: string, key: string): ReturnType<typeof goldenArray> {
  const g = (file.expected as Record<string, unknown>)[group] as Record<string, unknown> | undefined;
  return goldenArray(g?.[key], `${file.path} expected.${group}.${key}`);
}

/** Asserts |ours − ref| ≤ loss_rtol_f32·|ref| against `ref` (default `loss_f64`). */
export function expectLossClose(
  file: GoldenFile,
  ours: tf.Scalar | number,
  ref?: number,
  what = "loss",
): void {
  const value = typeof ours === "number" ? ours : ours.dataSync()[0]!;
  const expected = ref ?? file.expected.loss_f64!;
  const err = relErr(value, expected);
  expect(err, `${file.vector} ${what}: ours ${value} vs ref ${expected}`).toBeLessThanOrEqual(
    tol(file, "loss_rtol_f32"),
  );
}

/** Flat data of a tensor in NCHW order (rank-4 NHWC tensors are transposed back). */
export function nchwData(x: tf.Tensor): Float32Array {
  return tf.tidy(() => (x.rank === 4 ? tf.transpose(x, [0, 3, 1, 2]) : x)).dataSync() as Float32Array;
}

/**
 * Asserts the student gradients (NHWC, in the order of `grad_student_f64`) meet
 * `max|g − ref| ≤ grad_atol_rel_to_max · max|ref|`.
 */
export function expectGradClose(file: GoldenFile, grads: tf.Tensor[]): void {
  const refs = studentGrads(file);
  expect(grads.length, `${file.vector}: number of student gradients`).toBe(refs.length);
  refs.forEach((ref, i) => {
    const ours = nchwData(grads[i]!);
    const err = gradErrRelToMax(ours, ref.data as number[]);
    expect(err, `${file.vector} grad wrt ${ref.wrt}`).toBeLessThanOrEqual(tol(file, "grad_atol_rel_to_max"));
  });
}

/** Asserts `fn` (run inside tf.tidy) leaves `tf.memory().numTensors` unchanged. */
export function expectNoLeak(fn: () => unknown): void {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    fn();
  });
  expect(tf.memory().numTensors).toBe(before);
}

/** Asserts every value of the tensors is finite. */
export function expectFinite(what: string, ...xs: tf.Tensor[]): void {
  for (const x of xs) {
    const d = x.dataSync();
    const bad = d.findIndex((v) => !Number.isFinite(v));
    expect(bad, `${what}: non-finite value ${d[bad]} at flat index ${bad}`).toBe(-1);
  }
}

/** Asserts `max|ours − ref| ≤ tolRelToMax · max|ref|` for two flat arrays in the same layout. */
export function expectArrayClose(
  what: string,
  ours: ArrayLike<number>,
  ref: ArrayLike<number>,
  tolRelToMax: number,
): void {
  expect(gradErrRelToMax(ours, ref), what).toBeLessThanOrEqual(tolRelToMax);
}
