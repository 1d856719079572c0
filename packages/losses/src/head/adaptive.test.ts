import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdaptive } from "./adaptive";
import { checkGrad, expectNoLeak, randn, value } from "../testing/grad-check";
import { useCpuBackend } from "../testing/backend";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const xl = (a: number) => (a > 0 ? a * Math.log(a) : 0);
const bkl = (q: number, z: number) =>
  xl(q) + xl(1 - q) - q * Math.log(sig(z)) - (1 - q) * Math.log(1 - sig(z));
const hb = (q: number) => -(xl(q) + xl(1 - q)) / Math.LN2;

/** Per-location (ℓ, h^T entropy, h^T confidence, h^S) for rows of K values. */
function stats(q: number[][], z: number[][]) {
  return q.map((qr, i) => ({
    ell: qr.reduce((a, qk, k) => a + bkl(qk, z[i]![k]!), 0),
    hEnt: Math.max(...qr.map(hb)),
    hConf: 1 - Math.max(...qr),
    hS: Math.max(...qr.map((qk, k) => Math.abs(sig(z[i]![k]!) - qk))),
  }));
}

describe("adaptive", () => {
  // One image, 1×3 locations, K = 2: an uncertain, a confident-foreground and a background location.
  const q = [
    [0.5, 0.1],
    [0.95, 0.02],
    [0.01, 0.03],
  ];
  const z = [
    [1.5, -1],
    [0.5, -3],
    [-2, 0.4],
  ];
  const qt = () => tf.tensor4d(q.flat(), [1, 1, 3, 2]);
  const zt = () => tf.tensor4d(z.flat(), [1, 1, 3, 2]);

  it("hand-computed weights and loss (entropy hardness, ρ, λ, γ)", () => {
    const st = stats(q, z);
    for (const [balance, mix, gamma] of [
      [0.5, 0.5, 1],
      [0.8, 0.2, 2],
      [1, 0, 1],
    ] as const) {
      const w = st.map((s) => 1 - balance + balance * ((1 - mix) * s.hEnt + mix * s.hS) ** gamma);
      const want = (2 * w.reduce((a, wi, i) => a + wi * st[i]!.ell, 0)) / w.reduce((a, b) => a + b, 0);
      const [s, t] = [zt(), qt()];
      expect(
        value(() => weighted(createAdaptive({ balance, mix, gamma }), 2).compute(s, t).total),
      ).toBeCloseTo(want, 5);
      tf.dispose([s, t]);
    }
    // The uncertain location (q = 0.5) is the hardest for the teacher; confident background the easiest.
    expect(st[0]!.hEnt).toBe(1);
    expect(st[2]!.hEnt).toBeLessThan(st[1]!.hEnt);
  });

  it("ρ = 0 is the plain mean soft-label KL; `confidence` hardness is 1 − max q", () => {
    const st = stats(q, z);
    const [s, t] = [zt(), qt()];
    const mean = st.reduce((a, x) => a + x.ell, 0) / 3;
    expect(value(() => createAdaptive({ balance: 0 }).compute(s, t).total)).toBeCloseTo(mean, 5);
    const w = st.map((x) => 0.5 + 0.5 * (0.5 * x.hConf + 0.5 * x.hS));
    const want = w.reduce((a, wi, i) => a + wi * st[i]!.ell, 0) / w.reduce((a, b) => a + b, 0);
    expect(value(() => createAdaptive({ teacherHardness: "confidence" }).compute(s, t).total)).toBeCloseTo(
      want,
      5,
    );
    // Teacher logits instead of probabilities.
    const tl = tf.tensor4d(
      q.flat().map((p) => Math.log(p / (1 - p))),
      [1, 1, 3, 2],
    );
    const a = value(() => createAdaptive({ scoreKind: "logits" }).compute(s, tl).total);
    expect(a).toBeCloseTo(
      value(() => createAdaptive().compute(s, t).total),
      5,
    );
    tf.dispose([s, t, tl]);
  });

  it("image samples: hardness and KL averaged per image, weighted across images", () => {
    const q2 = [...q, [0.3, 0.6], [0.0, 1.0], [0.2, 0.2]];
    const z2 = [...z, [0, 0], [-4, 4], [1, 1]];
    const st = stats(q2, z2);
    const per = [st.slice(0, 3), st.slice(3)].map((g) => ({
      ell: g.reduce((a, x) => a + x.ell, 0) / 3,
      h: g.reduce((a, x) => a + 0.5 * x.hEnt + 0.5 * x.hS, 0) / 3,
    }));
    const w = per.map((p) => 0.3 + 0.7 * p.h);
    const want = (w[0]! * per[0]!.ell + w[1]! * per[1]!.ell) / (w[0]! + w[1]!);
    const s = tf.tensor4d(z2.flat(), [2, 1, 3, 2]);
    const t = tf.tensor4d(q2.flat(), [2, 1, 3, 2]);
    expect(
      value(() => createAdaptive({ sampleUnit: "image", balance: 0.7 }).compute(s, t).total),
    ).toBeCloseTo(want, 5);
    tf.dispose([s, t]);
  });

  it("levels form one pool of samples; 0 when the student matches the teacher", () => {
    const s = randn([2, 2, 4, 3], 1);
    const t = tf.tidy(() => tf.sigmoid(randn([2, 2, 4, 3], 2, 2)));
    const split = (x: tf.Tensor) => tf.split(x, [1, 3], 2);
    const loss = createAdaptive({ gamma: 2 });
    expect(value(() => loss.compute(split(s), split(t)).total)).toBeCloseTo(
      value(() => loss.compute(s, t).total),
      5,
    );
    const match = tf.tidy(() => tf.log(tf.div(t, tf.sub(1, t))));
    expect(value(() => loss.compute(match, t).total)).toBeCloseTo(0, 5);
    tf.dispose([s, t, match]);
  });

  it("gradient: finite differences (teacher-only weights) and the hand-derived w_i(σ(s) − q)/Σw", () => {
    const s = randn([1, 3, 3, 2], 3);
    const t = tf.tidy(() => tf.sigmoid(randn([1, 3, 3, 2], 4, 2)));
    checkGrad((x) => createAdaptive({ mix: 0, gamma: 2 }).compute(x, t).total, s);
    // λ > 0: the weights depend on the student but are constants: ∂L/∂s_ik = w_i (σ(s_ik) − q_ik) / Σ w.
    const loss = createAdaptive({ balance: 0.8, mix: 0.7 });
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => loss.compute(x, t).total)(s)
        .dataSync(),
    );
    const sd = Array.from(s.dataSync());
    const qd = Array.from(t.dataSync());
    const rows = (d: number[]) => Array.from({ length: 9 }, (_, i) => d.slice(2 * i, 2 * i + 2));
    const st = stats(rows(qd), rows(sd));
    const w = st.map((x) => 0.2 + 0.8 * (0.3 * x.hEnt + 0.7 * x.hS));
    const sw = w.reduce((a, b) => a + b, 0);
    sd.forEach((v, j) => expect(g[j]!).toBeCloseTo((w[Math.floor(j / 2)]! * (sig(v) - qd[j]!)) / sw, 5));
    tf.dispose([s, t]);
  });

  it("all-background and saturated teachers, extreme logits, γ < 1: finite, no leaks", () => {
    const s = tf.tensor4d([50, -50, 0, 3, -80, 80], [1, 1, 3, 2]);
    const loss = createAdaptive({ gamma: 0.5 });
    for (const t of [tf.zeros([1, 1, 3, 2]), tf.tensor4d([1, 0, 0, 1, 1, 1], [1, 1, 3, 2])]) {
      expectNoLeak(() => {
        const g = tf.tidy(() =>
          tf
            .grad((x: tf.Tensor) => loss.compute(x, t).total)(s)
            .dataSync(),
        );
        expect(g.every(Number.isFinite)).toBe(true);
        expect(Number.isFinite(value(() => loss.compute(s, t).total))).toBe(true);
      });
      t.dispose();
    }
    s.dispose();
  });

  it("errors on mismatched inputs", () => {
    expect(() => createAdaptive().compute(tf.zeros([1, 2, 2, 3]), tf.zeros([1, 2, 2, 2]))).toThrow(
      /adaptive/,
    );
    expect(() => createAdaptive().compute([tf.zeros([1, 2, 2, 3])], [])).toThrow(/adaptive/);
    expect(() => createAdaptive({ balance: 2 } as never)).toThrow();
  });
});
