/**
 * Test-only helpers shared by the feature-loss golden suites: run a loss with its student
 * gradient, compare loss / parts / variants / masks / gradients with a golden file's expected
 * values under the file's own tolerances. Not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { expect } from "vitest";
import { type GoldenFile, goldenArray, gradErrRelToMax, relErr, studentGrads } from "./golden";
import type { DistillLoss, LossContext } from "../types";

/** Reads `params[key]` (throws with the file name when absent). */
export function param<T = number>(file: GoldenFile, key: string): T {
  if (!(key in file.params)) throw new Error(`${file.path}: params.${key} missing`);
  return file.params[key] as T;
}

/** Golden box lists (`[[n,4] array per image]`) as flat Float32Arrays. */
export function goldenBoxes(value: unknown): Float32Array[] {
  if (!Array.isArray(value)) throw new Error("gt boxes must be a list over images");
  return value.map((b, i) => Float32Array.from(goldenArray(b, `boxes[${i}]`).data as number[]));
}

/** Multi-level inputs `<name>_0 … <name>_{L−1}` (or the plain `<name>` as one level). */
export function levelInputs(file: GoldenFile, name: string): unknown[] {
  if (name in file.inputs) return [file.inputs[name]];
  const out: unknown[] = [];
  for (let i = 0; `${name}_${i}` in file.inputs; i++) out.push(file.inputs[`${name}_${i}`]);
  if (out.length === 0) throw new Error(`${file.path}: no input ${name}`);
  return out;
}

/** `|ours − ref| ≤ rtol·|ref|` with the file's `loss_rtol_f32`. */
export function expectRel(file: GoldenFile, ours: number, ref: number, what: string): void {
  const rtol = file.tolerance.loss_rtol_f32 ?? 1e-5;
  const err = relErr(ours, ref);
  expect(err, `${file.vector} ${what}: ours ${ours} vs ref ${ref}`).toBeLessThanOrEqual(rtol);
}

/** Element-wise `|ours − ref| ≤ atol` for a stored array against a tensor of the same layout. */
export function expectArrayClose(ours: ArrayLike<number>, ref: unknown, atol: number, what: string): void {
  const a = goldenArray(ref, what);
  expect(ours.length, `${what} size`).toBe(a.data.length);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++)
    worst = Math.max(worst, Math.abs((ours[i] as number) - Number(a.data[i])));
  expect(worst, `${what}: max abs err`).toBeLessThanOrEqual(atol);
}

/**
 * Runs `loss` on the given NHWC student levels, checks `expected.loss_f64`, every
 * `components_f64` entry (our value from `component(key, parts)`, default `parts[key]`) and the
 * student gradients (NCHW, in `studentGrads(file)` order) against the file's tolerances.
 * Returns the parts (and `total`) as numbers.
 */
export function checkLossAndGrads(
  file: GoldenFile,
  loss: DistillLoss,
  students: tf.Tensor[],
  teachers: tf.Tensor[],
  ctx?: LossContext,
  component: (golden: string, parts: Record<string, number>) => number | undefined = (k, p) => p[k],
): Record<string, number> {
  const asArg = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0]! : xs);
  const parts = tf.tidy(() => {
    const r = loss.compute(asArg(students), asArg(teachers), ctx);
    const out: Record<string, number> = { total: r.total.dataSync()[0]! };
    for (const [k, v] of Object.entries(r.parts)) out[k] = v.dataSync()[0]!;
    return out;
  });
  const ref = file.expected.loss_f64;
  if (ref !== undefined) expectRel(file, parts.total!, ref, "loss");
  const comps = (file.expected.components_f64 ?? {}) as Record<string, number>;
  for (const [k, v] of Object.entries(comps)) {
    const ours = component(k, parts);
    expect(ours, `${file.vector}: component ${k} missing`).toBeTypeOf("number");
    expectRel(file, ours!, v, `component ${k}`);
  }
  const refs = studentGrads(file);
  if (refs.length > 0) {
    const grads = tf.tidy(() =>
      tf
        .grads((...xs: tf.Tensor[]) => loss.compute(asArg(xs), asArg(teachers), ctx).total)(students)
        .map((g) => (g.rank === 4 ? tf.transpose(g, [0, 3, 1, 2]) : g)),
    );
    expect(grads.length).toBe(refs.length);
    refs.forEach((r, i) => {
      const err = gradErrRelToMax(grads[i]!.dataSync(), r.data as number[]);
      expect(err, `${file.vector} grad ${r.wrt}`).toBeLessThanOrEqual(
        file.tolerance.grad_atol_rel_to_max ?? 1e-5,
      );
    });
    tf.dispose(grads);
  }
  return parts;
}

/** One SGD step on `loss` changes every adapter variable. */
export function expectTrainable(
  loss: DistillLoss,
  student: tf.Tensor | tf.Tensor[],
  teacher: tf.Tensor | tf.Tensor[],
  ctx?: LossContext,
): void {
  expect(loss.variables.length).toBeGreaterThan(0);
  const before = loss.variables.map((v) => v.dataSync().slice());
  tf.tidy(() => {
    tf.train.sgd(0.5).minimize(() => loss.compute(student, teacher, ctx).total, false, loss.variables);
  });
  loss.variables.forEach((v, i) => {
    expect(Array.from(v.dataSync()), `variable ${v.name} unchanged`).not.toEqual(Array.from(before[i]!));
  });
}
