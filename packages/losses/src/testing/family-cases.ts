/**
 * One distiller setup per registered loss family on a synthetic detector pyramid: the registry
 * contract test and `bench/losses` run every family through `Distiller` with these. Typed as
 * `Record<LossId, …>`, so a family added to `LOSSES` without a case does not compile (teacher
 * `cls.<l>` are logits, hence `scoreKind: "logits"` for the score-guided families).
 * Test/bench-only module: not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { DistillTermConfigInput } from "../distiller/term-config";
import type { LossId } from "../loss-meta";
import type { LossContext } from "../types";

/** A synthetic pyramid: batch, square input size, levels (label, stride, channels), head sizes. */
export interface PyramidSpec {
  batch: number;
  imageSize: number;
  levels: Array<{ label: string; stride: number; channels: number }>;
  numClasses: number;
  regMax: number;
  seed?: number;
}

/** Feature records, context and the terms of one family's case. */
export interface FamilyCase {
  terms: DistillTermConfigInput[];
}

/** Inputs shared by every case: student/teacher records and the loss context. */
export interface PyramidInputs {
  student: Record<string, tf.Tensor>;
  teacher: Record<string, tf.Tensor>;
  ctx: LossContext;
}

/** Deterministic pseudo-random integers in [0, n) (LCG), `count` values. */
function ints(count: number, n: number, seed: number): Int32Array {
  let s = seed >>> 0 || 1;
  return Int32Array.from({ length: count }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % n));
}

/**
 * Student/teacher records for `spec`: `neck.<l>` `[N,H,W,C]`, `cls.<l>` `[N,H,W,K]` logits,
 * `box.<l>` `[N,H,W,4(regMax+1)]` logits; teacher-side targets `assigned.<l>` (label per position,
 * K = background, ~1 in 8 positive), `rows.<l>` (a class per position, for dkd), `fg.<l>` / `bg.<l>`
 * (PGD-style weights); ctx: 3 boxes per image, the input size, avgFactor = number of positives.
 */
export function pyramidInputs(spec: PyramidSpec): PyramidInputs {
  const { batch: n, imageSize: size, numClasses: k, regMax } = spec;
  let seed = spec.seed ?? 1;
  const rnd = (shape: number[]) => tf.randomNormal(shape, 0, 1, "float32", seed++);
  const student: Record<string, tf.Tensor> = {};
  const teacher: Record<string, tf.Tensor> = {};
  let positives = 0;
  for (const { label, stride, channels } of spec.levels) {
    const [h, w] = [Math.ceil(size / stride), Math.ceil(size / stride)];
    for (const rec of [student, teacher]) {
      rec[`neck.${label}`] = rnd([n, h, w, channels]);
      rec[`cls.${label}`] = rnd([n, h, w, k]);
      rec[`box.${label}`] = rnd([n, h, w, 4 * (regMax + 1)]);
    }
    const assigned = ints(n * h * w, 8 * k, seed++).map((v) => Math.min(v, k));
    positives += assigned.filter((v) => v < k).length;
    teacher[`assigned.${label}`] = tf.tensor3d(assigned, [n, h, w], "int32");
    teacher[`rows.${label}`] = tf.tensor1d(ints(n * h * w, k, seed++), "int32");
    teacher[`fg.${label}`] = tf.tensor3d(
      Float32Array.from(assigned, (v) => (v < k ? 0.5 + (v % 2) / 2 : 0)),
      [n, h, w],
    );
    teacher[`bg.${label}`] = tf.tensor3d(
      Float32Array.from(assigned, (v) => (v < k ? 0 : 1)),
      [n, h, w],
    );
  }
  const boxes = Array.from({ length: n }, (_, i) =>
    Float32Array.from(
      [0.1, 0.1, 0.4, 0.5, 0.3 + 0.02 * i, 0.2, 0.9, 0.7, 0.6, 0.55, 0.8, 0.95].map((v) => v * size),
    ),
  );
  return { student, teacher, ctx: { boxes, imageSize: [size, size], avgFactor: Math.max(positives, 1) } };
}

/** The case of every registered family for `spec` (see {@link pyramidInputs} for the names). */
export function familyCases(spec: PyramidSpec): Record<LossId, FamilyCase> {
  const levels = spec.levels.map((l) => l.label);
  const ch = spec.levels.map((l) => l.channels);
  const neck = { student: "neck.{level}", teacher: "neck.{level}", levels };
  const cls = { student: "cls.{level}", teacher: "cls.{level}", levels };
  const perLevel = <T>(f: (c: number, i: number) => T) => ch.map(f);
  const one = (terms: DistillTermConfigInput[]): FamilyCase => ({ terms });
  return {
    mse: one([{ loss: { type: "mse" }, ...neck }]),
    cwd: one([{ loss: { type: "cwd" }, ...neck }]),
    fgd: one([{ loss: perLevel((c) => ({ type: "fgd" as const, teacherChannels: c })), ...neck }]),
    mgd: one([{ loss: perLevel((c) => ({ type: "mgd" as const, teacherChannels: c })), ...neck }]),
    pkd: one([{ loss: { type: "pkd" }, ...neck }]),
    fgfi: one([
      {
        loss: perLevel((c, i) => ({
          type: "fgfi" as const,
          studentChannels: c,
          teacherChannels: c,
          featStride: spec.levels[i]!.stride,
        })),
        ...neck,
      },
    ]),
    // DeFeat takes one channel count for all its levels: one multi-level term per pyramid level here.
    defeat: one(
      spec.levels.map((l) => ({
        name: `defeat-${l.label}`,
        loss: { type: "defeat" as const, teacherChannels: l.channels, strides: [l.stride] },
        ...neck,
        levels: [l.label],
      })),
    ),
    fbkd: one([{ loss: perLevel((c) => ({ type: "fbkd" as const, teacherChannels: c })), ...neck }]),
    at: one([{ loss: { type: "at" }, ...neck }]),
    fsd: one([{ loss: perLevel((c) => ({ type: "fsd" as const, teacherChannels: c })), ...neck }]),
    ckd: one([{ loss: { type: "ckd", teacherChannels: ch }, ...neck }]),
    rdkd: one([{ loss: { type: "rdkd", studentChannels: ch, teacherChannels: ch }, ...neck }]),
    confidence: one([
      {
        loss: { type: "confidence", scoreKind: "logits" },
        ...neck,
        ctxFrom: { teacherScores: "teacher:cls.{level}", studentCls: "student:cls.{level}" },
      },
    ]),
    adaptive: one([
      {
        loss: { type: "adaptive", scoreKind: "logits" },
        student: "cls.{level}",
        teacher: "cls.{level}",
        levels,
      },
    ]),
    kd: one([{ loss: { type: "kd" }, ...cls }]),
    dkd: one([{ loss: { type: "dkd" }, ...cls, ctxFrom: { gtLabels: "teacher:rows.{level}" } }]),
    ld: one([
      {
        loss: { type: "ld", regMax: spec.regMax },
        student: "box.{level}",
        teacher: "box.{level}",
        levels,
        ctxFrom: { studentCls: "student:cls.{level}", assignedLabels: "teacher:assigned.{level}" },
      },
    ]),
    "qfl-kd": one([{ loss: { type: "qfl-kd" }, ...cls }]),
    pgd: one([
      {
        loss: { type: "pgd", branch: "cls" },
        ...neck,
        ctxFrom: { maskFg: "teacher:fg.{level}", maskBg: "teacher:bg.{level}" },
      },
      {
        name: "pgd-reg",
        loss: { type: "pgd", branch: "reg" },
        ...neck,
        ctxFrom: { maskFg: "teacher:fg.{level}" },
      },
    ]),
    hcl: one([{ loss: { type: "hcl" }, ...neck }]),
    abf: one([
      {
        loss: { type: "abf", studentChannels: ch, teacherChannels: ch, midChannel: Math.min(...ch) },
        ...neck,
      },
    ]),
    "score-l2": one([
      {
        loss: perLevel((c) => ({ type: "score-l2" as const, studentChannels: c, teacherChannels: c })),
        ...neck,
        ctxFrom: { teacherScores: "teacher:cls.{level}" },
      },
    ]),
  };
}
