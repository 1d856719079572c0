import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { type ConfidenceContext, createConfidence } from "./confidence";
import { checkGrad, expectNoLeak, expectSgdStepChanges, randn, value } from "../testing/grad-check";
import { useCpuBackend } from "../testing/backend";

beforeAll(useCpuBackend);

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
/** Bernoulli KL(q ‖ σ(z)) in double precision. */
const bkl = (q: number, z: number) => {
  const p = sig(z);
  const xl = (a: number) => (a > 0 ? a * Math.log(a) : 0);
  return xl(q) + xl(1 - q) - q * Math.log(p) - (1 - q) * Math.log(1 - p);
};
const ctxOf = (
  scores: tf.Tensor | tf.Tensor[],
  logits?: tf.Tensor | tf.Tensor[],
  objectness?: tf.Tensor,
): ConfidenceContext => {
  const ctx: ConfidenceContext = { teacherScores: scores };
  if (logits) ctx.studentCls = logits;
  if (objectness) ctx.teacherObjectness = objectness;
  return ctx;
};

describe("confidence", () => {
  // One image, 1×3 map, C = 2 feature channels, K = 2 classes.
  const sv = [0.5, -1, 0.2, 0.3, 1, 0];
  const tv = [0.1, -0.5, 0.9, 0.3, 0.4, 0.4];
  const qv = [0.9, 0.1, 0.2, 0.25, 0.4, 0.6];
  const zv = [1.2, -2, 0.3, 0.1, -0.5, 0.8];

  it("hand-computed 1×3 case (selection, c^γ weights, soft labels)", () => {
    const [s, t, q, z] = [sv, tv, qv, zv].map((v) => tf.tensor4d(v, [1, 1, 3, 2]));
    // conf = max_k q = [0.9, 0.25, 0.6]; threshold 0.3 → selected {0, 2}; w = [0.9, 0, 0.6].
    const m = [0, 1, 2].map(
      (i) => ((sv[2 * i]! - tv[2 * i]!) ** 2 + (sv[2 * i + 1]! - tv[2 * i + 1]!) ** 2) / 2,
    );
    const feature = (0.9 * m[0]! + 0.6 * m[2]!) / 1.5;
    let head = 0;
    for (let k = 0; k < 6; k++) head += Math.abs(sig(zv[k]!) - qv[k]!) * bkl(qv[k]!, zv[k]!);
    head /= 2; // two selected locations
    const loss = createConfidence({ featureWeight: 2, headWeight: 0.5 });
    const r = tf.tidy(() => {
      const out = loss.compute(s!, t!, ctxOf(q!, z!));
      return [out.total, out.parts.feature!, out.parts.head!].map((x) => x.dataSync()[0]!);
    });
    expect(r[1]).toBeCloseTo(2 * feature, 5);
    expect(r[2]).toBeCloseTo(0.5 * head, 5);
    expect(r[0]).toBeCloseTo(2 * feature + 0.5 * head, 5);
    // γ = 0 and β = 0: a plain mask and an unmodulated soft-label KL.
    const plain = createConfidence({ gamma: 0, headBeta: 0 });
    let kl = 0;
    for (let k = 0; k < 6; k++) kl += bkl(qv[k]!, zv[k]!);
    expect(value(() => plain.compute(s!, t!, ctxOf(q!, z!)).total)).toBeCloseTo(
      (m[0]! + m[2]!) / 2 + kl / 2,
      5,
    );
    tf.dispose([s!, t!, q!, z!]);
  });

  it("objectness multiplies the confidence; logits input equals its sigmoid probabilities", () => {
    const [s, t, q, z] = [sv, tv, qv, zv].map((v) => tf.tensor4d(v, [1, 1, 3, 2]));
    const obj = tf.tensor4d([0.2, 1, 1], [1, 1, 3, 1]); // conf = [0.18, 0.25, 0.6] → only location 2
    const m2 = ((sv[4]! - tv[4]!) ** 2 + (sv[5]! - tv[5]!) ** 2) / 2;
    const loss = createConfidence({ headWeight: 0 });
    expect(value(() => loss.compute(s!, t!, ctxOf(q!, undefined, obj)).total)).toBeCloseTo(m2, 5);
    const ql = tf.tensor4d(qv.map(logit), [1, 1, 3, 2]);
    const ol = tf.tensor4d([0.2, 1 - 1e-6, 1 - 1e-6].map(logit), [1, 1, 3, 1]);
    const grouped = value(
      () =>
        createConfidence({ headWeight: 0 }).compute(s!, t!, { teacherPreds: { scores: q!, objectness: obj } })
          .total,
    );
    expect(grouped).toBeCloseTo(m2, 5);
    const asLogits = createConfidence({ scoreKind: "logits" });
    const asProbs = createConfidence();
    const a = value(() => asLogits.compute(s!, t!, ctxOf(ql, z!, ol)).total);
    const b = value(() => asProbs.compute(s!, t!, ctxOf(q!, z!, obj)).total);
    expect(a).toBeCloseTo(b, 4);
    tf.dispose([s!, t!, q!, z!, obj, ql, ol]);
  });

  it("is 0 when the student matches the teacher (features and σ(logits) = scores)", () => {
    const x = randn([2, 4, 4, 3], 1);
    const q = tf.tidy(() => tf.sigmoid(randn([2, 4, 4, 5], 2, 2)));
    const z = tf.tidy(() => tf.log(tf.div(q, tf.sub(1, q))));
    expect(value(() => createConfidence().compute(x, x, ctxOf(q, z)).total)).toBeCloseTo(0, 5);
    tf.dispose([x, q, z]);
  });

  it("ignores features where the teacher is not confident; levels are one weighted mean", () => {
    const s = randn([1, 2, 4, 3], 3);
    const t = randn([1, 2, 4, 3], 4);
    const q = tf.tidy(() => tf.sigmoid(randn([1, 2, 4, 2], 5, 2)));
    const low = tf.tidy(() => tf.cast(tf.less(tf.max(q, -1, true), 0.3), "float32"));
    expect(low.sum().dataSync()[0]).toBeGreaterThan(0);
    const noise = tf.tidy(() => tf.mul(randn([1, 2, 4, 3], 6, 5), low));
    const loss = createConfidence({ headWeight: 0 });
    const a = value(() => loss.compute(s, t, ctxOf(q)).total);
    expect(value(() => loss.compute(tf.add(s, noise), t, ctxOf(q)).total)).toBeCloseTo(a, 5);
    // Splitting the map into two "levels" (columns 0–1 and 2–3) gives the same weighted mean.
    const split = (x: tf.Tensor) => tf.split(x, 2, 2);
    const full = createConfidence();
    const z = randn([1, 2, 4, 2], 7);
    const one = value(() => full.compute(s, t, ctxOf(q, z)).total);
    const two = value(() => full.compute(split(s), split(t), ctxOf(split(q), split(z))).total);
    expect(two).toBeCloseTo(one, 5);
    tf.dispose([s, t, q, low, noise, z]);
  });

  it("finite-difference gradients w.r.t. student features and student logits", () => {
    const s = randn([1, 3, 3, 2], 8, 0.5);
    const t = randn([1, 3, 3, 2], 9, 0.5);
    const q = tf.tidy(() => tf.sigmoid(randn([1, 3, 3, 3], 10, 2)));
    const z = randn([1, 3, 3, 3], 11);
    const loss = createConfidence({ gamma: 2, headBeta: 2 });
    checkGrad((x) => loss.compute(x, t, ctxOf(q, z)).total, s);
    checkGrad((x) => loss.compute(s, t, ctxOf(q, x)).total, z);
    tf.dispose([s, t, q, z]);
  });

  it("empty (all-background) images, a single confident location: finite, no leaks", () => {
    const s = randn([2, 3, 3, 2], 12);
    const t = randn([2, 3, 3, 2], 13);
    const z = randn([2, 3, 3, 2], 14);
    const empty = tf.fill([2, 3, 3, 2], 0.01);
    const single = tf.tidy(() =>
      tf.add(
        empty,
        tf
          .oneHot(tf.tensor1d([4], "int32"), 36)
          .reshape([2, 3, 3, 2])
          .mul(0.9),
      ),
    );
    const loss = createConfidence();
    for (const q of [empty, single]) {
      expectNoLeak(() => {
        const g = tf.tidy(() =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => loss.compute(a, t, ctxOf(q, b)).total)([s, z]),
        );
        expect(g.every((x) => x.dataSync().every(Number.isFinite))).toBe(true);
        tf.dispose(g);
        const f = value(() => loss.compute(s, t, ctxOf(q, z)).parts.feature!);
        if (q === empty) expect(f).toBe(0);
        else expect(f).toBeGreaterThan(0);
      });
    }
    tf.dispose([s, t, z, empty, single]);
  });

  it("align conv: one SGD step changes its weights", () => {
    const s = randn([1, 3, 3, 2], 15);
    const t = randn([1, 3, 3, 4], 16);
    const q = tf.fill([1, 3, 3, 2], 0.8);
    const loss = createConfidence({ studentChannels: 2, teacherChannels: 4, headWeight: 0 });
    expectSgdStepChanges(loss.variables, () => loss.compute(s, t, ctxOf(q)).total);
    loss.dispose();
    tf.dispose([s, t, q]);
  });

  it("per-level channels: an align conv only where the counts differ", () => {
    const ss = [randn([1, 4, 4, 2], 17), randn([1, 2, 2, 3], 18)];
    const ts = [randn([1, 4, 4, 2], 19), randn([1, 2, 2, 5], 20)];
    const q = [tf.fill([1, 4, 4, 2], 0.8), tf.fill([1, 2, 2, 2], 0.8)];
    const loss = createConfidence({ studentChannels: [2, 3], teacherChannels: [2, 5], headWeight: 0 });
    expect(loss.aligns.at(0, 2)).toBeNull();
    expect(loss.aligns.at(1, 2)!.outChannels).toBe(5);
    expectSgdStepChanges(loss.variables, () => loss.compute(ss, ts, ctxOf(q)).total);
    loss.dispose();
    tf.dispose([...ss, ...ts, ...q]);
  });

  it("box part: hand-computed confidence-weighted box-distribution KL (τ = 2), off by default", () => {
    // 1×3 map as above (w = [0.9, 0, 0.6]); B = 2 bins per side, 4 sides → 8 box channels per location.
    const bs = Array.from({ length: 24 }, (_, i) => Math.sin(i + 1));
    const bt = Array.from({ length: 24 }, (_, i) => Math.cos(2 * i));
    const tau = 2;
    /** Double-precision KL(softmax(t/τ) ‖ softmax(s/τ)) of one side (2 bins). */
    const sideKl = (s2: number[], t2: number[]) => {
      const sm = (x: number[]) => {
        const e = x.map((v) => Math.exp(v / tau));
        const z = e[0]! + e[1]!;
        return e.map((v) => v / z);
      };
      const [p, q] = [sm(t2), sm(s2)];
      return p[0]! * Math.log(p[0]! / q[0]!) + p[1]! * Math.log(p[1]! / q[1]!);
    };
    const locKl = (i: number) => {
      let sum = 0;
      for (let e = 0; e < 4; e++) {
        const o = 8 * i + 2 * e;
        sum += sideKl(bs.slice(o, o + 2), bt.slice(o, o + 2));
      }
      return (tau * tau * sum) / 4;
    };
    const expected = (0.9 * locKl(0) + 0.6 * locKl(2)) / 1.5;
    const [s, t, q] = [sv, tv, qv].map((v) => tf.tensor4d(v, [1, 1, 3, 2]));
    const [sb, tb] = [bs, bt].map((v) => tf.tensor4d(v, [1, 1, 3, 8]));
    const ctx: ConfidenceContext = { teacherScores: q!, studentBox: sb!, teacherBox: tb! };
    const loss = createConfidence({ headWeight: 0, boxWeight: 3, boxTau: tau });
    const [total, feature, box] = tf.tidy(() => {
      const r = loss.compute(s!, t!, ctx);
      return [r.total, r.parts.feature!, r.parts.box!].map((x) => x.dataSync()[0]!);
    });
    expect(box).toBeCloseTo(3 * expected, 5);
    expect(total).toBeCloseTo(feature! + 3 * expected, 5);
    // 0 when the student's distributions equal the teacher's; gradient w.r.t. the student's box logits
    expect(value(() => loss.compute(s!, t!, { ...ctx, studentBox: tb! }).parts.box!)).toBeCloseTo(0, 6);
    checkGrad((x) => loss.compute(s!, t!, { ...ctx, studentBox: x }).total, sb!);
    // default boxWeight 0: no box part and no box maps needed
    const off = createConfidence({ headWeight: 0 }).compute(s!, t!, { teacherScores: q! });
    expect(Object.keys(off.parts).sort()).toEqual(["feature", "head"]);
    tf.dispose([off.total, ...Object.values(off.parts)]);
    expect(() => loss.compute(s!, t!, { teacherScores: q! })).toThrow(/ctx.teacherBox/);
    const odd = tf.zeros([1, 1, 3, 6]);
    expect(() => loss.compute(s!, t!, { ...ctx, studentBox: odd, teacherBox: odd })).toThrow(/4·B/);
    tf.dispose([s!, t!, q!, sb!, tb!, odd]);
  });

  it("errors name the missing predictions", () => {
    const x = tf.zeros([1, 2, 2, 1]);
    expect(() => createConfidence().compute(x, x)).toThrow(/ctx.teacherScores/);
    expect(() => createConfidence().compute(x, x, ctxOf(x))).toThrow(/ctx.studentCls/);
    expect(() => createConfidence().compute(x, x, ctxOf([x, x], x))).toThrow(/one tensor per level/);
    x.dispose();
  });
});
