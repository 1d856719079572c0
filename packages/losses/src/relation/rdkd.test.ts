import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createRdkd, type RdkdLoss } from "./rdkd";
import { checkGrad, expectNoLeak, expectSgdStepChanges, randn, value } from "../testing/grad-check";
import { useCpuBackend } from "../testing/backend";

beforeAll(useCpuBackend);

/** NHWC image as [h][w][c] arrays. */
type Img = number[][][];
const toImg = (x: tf.Tensor): Img => {
  const [, h, w, c] = x.shape as number[];
  const d = Array.from(x.dataSync());
  return Array.from({ length: h! }, (_, y) =>
    Array.from({ length: w! }, (_, xx) => d.slice((y * w! + xx) * c!, (y * w! + xx + 1) * c!)),
  );
};
const conv1x1 = (x: Img, wt: number[][], b: number[]): Img =>
  x.map((row) => row.map((p) => b.map((bo, o) => p.reduce((s, v, i) => s + v * wt[i]![o]!, bo))));
/** Average pool to l×l (sizes divisible). */
const pool = (x: Img, l: number): Img => {
  const k = x.length / l;
  return Array.from({ length: l }, (_, Y) =>
    Array.from({ length: l }, (_, X) =>
      x[0]![0]!.map((_, c) => {
        let s = 0;
        for (let y = 0; y < k; y++) for (let xx = 0; xx < k; xx++) s += x[Y * k + y]![X * k + xx]![c]!;
        return s / (k * k);
      }),
    ),
  );
};
const mse = (a: Img, b: Img) => {
  let s = 0;
  let n = 0;
  a.forEach((r, y) => r.forEach((p, x) => p.forEach((v, c) => ((s += (v - b[y]![x]![c]!) ** 2), n++))));
  return s / n;
};
/** ReviewKD HCL for square maps with pools [4,2,1]. */
const hcl = (o: Img, t: Img) => {
  let loss = mse(o, t);
  let cnt = 1;
  let tot = 1;
  for (const l of [4, 2, 1]) {
    if (l >= o.length) continue;
    cnt /= 2;
    loss += cnt * mse(pool(o, l), pool(t, l));
    tot += cnt;
  }
  return loss / tot;
};
const masked = (x: Img, m: number[][]) => x.map((r, y) => r.map((p, xx) => p.map((v) => v * m[y]![xx]!)));

/** Sets a 1×1 fusion conv: weight `[Cin][Cout]`, bias `[Cout]`. */
function setConv(loss: RdkdLoss, level: number, wt: number[][], b: number[]): void {
  const conv = loss.fusion.levels[level]!.conv;
  conv.weight.assign(tf.tensor4d(wt.flat(), [1, 1, wt.length, b.length]));
  conv.bias!.assign(tf.tensor1d(b));
}

const img: [number, number] = [16, 16];
const noAttention = { positionAttention: false, channelAttention: false, fusionKernel: 1 as const };

describe("rdkd", () => {
  it("matches a plain-JS oracle: top-down fusion, GT split, HCL, region normalisation", () => {
    const loss = createRdkd({
      studentChannels: [2, 2],
      teacherChannels: [2, 3],
      ...noAttention,
      fgWeight: 1.5,
      bgWeight: 0.4,
    });
    const w1 = [
      [0.5, -0.2, 0.1],
      [0.3, 0.8, -0.6],
    ];
    const b1 = [0.1, 0, -0.2];
    const w0 = [
      [1, 0.2],
      [-0.5, 0.4],
      [0.3, 0.3],
      [0, -0.7],
      [0.6, 0.1],
    ];
    const b0 = [0.05, -0.1];
    setConv(loss, 1, w1, b1);
    setConv(loss, 0, w0, b0);
    const s0 = randn([1, 4, 4, 2], 1);
    const s1 = randn([1, 2, 2, 2], 2);
    const t0 = randn([1, 4, 4, 2], 3);
    const t1 = randn([1, 2, 2, 3], 4);
    // Box [9,9,15,15] on 16×16: level 0 (4×4) cells 2…3 (FGD rule floor/ceil, clipped);
    // level 1 (2×2) cell (1,1) only.
    const boxes = [Float32Array.from([9, 9, 15, 15])];
    const m0 = [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => (y >= 2 && x >= 2 ? 1 : 0)));
    const m1 = [
      [0, 0],
      [0, 1],
    ];
    const f1 = conv1x1(toImg(s1), w1, b1);
    const up = (x: Img): Img => [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((xx) => x[y >> 1]![xx >> 1]!));
    const s0i = toImg(s0);
    const f0 = conv1x1(
      s0i.map((r, y) => r.map((p, x) => [...p, ...up(f1)[y]![x]!])),
      w0,
      b0,
    );
    const inv = (m: number[][]) => m.map((r) => r.map((v) => 1 - v));
    const share = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0) / m.flat().length;
    const term = (f: Img, t: Img, m: number[][]) => hcl(masked(f, m), masked(t, m)) / share(m);
    const fg = term(f0, toImg(t0), m0) + term(f1, toImg(t1), m1);
    const bg = term(f0, toImg(t0), inv(m0)) + term(f1, toImg(t1), inv(m1));
    const r = tf.tidy(() => {
      const out = loss.compute([s0, s1], [t0, t1], { boxes, imageSize: img });
      return [out.total, out.parts.fg!, out.parts.bg!].map((x) => x.dataSync()[0]!);
    });
    expect(r[1]).toBeCloseTo(1.5 * fg, 5);
    expect(r[2]).toBeCloseTo(0.4 * bg, 5);
    expect(r[0]).toBeCloseTo(1.5 * fg + 0.4 * bg, 5);
    // numel normalisation = plain HCL of the masked maps.
    const plain = createRdkd({
      studentChannels: [2, 2],
      teacherChannels: [2, 3],
      ...noAttention,
      bgWeight: 0,
      normalize: "numel",
    });
    setConv(plain, 1, w1, b1);
    setConv(plain, 0, w0, b0);
    const want = hcl(masked(f0, m0), masked(toImg(t0), m0)) + hcl(masked(f1, m1), masked(toImg(t1), m1));
    expect(value(() => plain.compute([s0, s1], [t0, t1], { boxes, imageSize: img }).total)).toBeCloseTo(
      want,
      5,
    );
    loss.dispose();
    plain.dispose();
    tf.dispose([s0, s1, t0, t1]);
  });

  it("is 0 when the fused features equal the teacher (identity fusion, γ = 0, S = T)", () => {
    const loss = createRdkd({ studentChannels: [3, 3], teacherChannels: [3, 3], fusionKernel: 1 });
    const eye = (cin: number) =>
      Array.from({ length: cin }, (_, i) => [0, 1, 2].map((o) => (i === o ? 1 : 0)));
    setConv(loss, 0, eye(6), [0, 0, 0]);
    setConv(loss, 1, eye(3), [0, 0, 0]);
    const x = [randn([2, 8, 8, 3], 5), randn([2, 4, 4, 3], 6)];
    const boxes = [Float32Array.from([4, 4, 20, 28]), new Float32Array(0)];
    expect(value(() => loss.compute(x, x, { boxes, imageSize: [32, 32] }).total)).toBeCloseTo(0, 6);
    loss.dispose();
    tf.dispose(x);
  });

  it("β = 0 ignores the teacher background; masks `assigned` put a box on one level only", () => {
    const cfg = { studentChannels: [2, 2], teacherChannels: [2, 2], bgWeight: 0 };
    const ss = [randn([1, 8, 8, 2], 7), randn([1, 4, 4, 2], 8)];
    const ts = [randn([1, 8, 8, 2], 9), randn([1, 4, 4, 2], 10)];
    const ctx = { boxes: [Float32Array.from([8, 8, 20, 20])], imageSize: [32, 32] as [number, number] };
    // Level 0 cells 2…5 (floor(2), ceil(5)) and level 1 cells 1…3 are foreground.
    const bgNoise = (shape: number[], lo: number, hi: number, seed: number) =>
      tf.tidy(() => {
        const [, h, w] = shape as [number, number, number];
        const m = Array.from({ length: h * w }, (_, k) =>
          Math.floor(k / w) >= lo && Math.floor(k / w) <= hi && k % w >= lo && k % w <= hi ? 0 : 1,
        );
        return tf.mul(randn(shape, seed, 3), tf.tensor4d(m, [1, h, w, 1]));
      });
    const noisy = [
      tf.add(ts[0]!, bgNoise([1, 8, 8, 2], 2, 5, 11)),
      tf.add(ts[1]!, bgNoise([1, 4, 4, 2], 1, 3, 12)),
    ];
    const loss = createRdkd({ ...cfg, seed: 1 });
    const a = value(() => loss.compute(ss, ts, ctx).total);
    expect(value(() => loss.compute(ss, noisy, ctx).total)).toBeCloseTo(a, 5);
    // `assigned`: sqrt(13·13)/56 < 1 → level 0 only, so the whole teacher level 1 is irrelevant.
    const assigned = createRdkd({ ...cfg, mask: "assigned", seed: 1 });
    const t1 = [ts[0]!, randn([1, 4, 4, 2], 13)];
    const b = value(() => assigned.compute(ss, ts, ctx).total);
    expect(value(() => assigned.compute(ss, t1, ctx).total)).toBeCloseTo(b, 5);
    expect(Math.abs(value(() => loss.compute(ss, t1, ctx).total) - a)).toBeGreaterThan(1e-4);
    loss.dispose();
    assigned.dispose();
    tf.dispose([...ss, ...ts, ...noisy, t1[1]!]);
  });

  it("a student level learns from the teacher's same and lower levels only", () => {
    const loss = createRdkd({ studentChannels: [2, 2], teacherChannels: [2, 2], gammaInit: 0.3 });
    const ss = [randn([1, 8, 8, 2], 14), randn([1, 4, 4, 2], 15)];
    const ts = [randn([1, 8, 8, 2], 16), randn([1, 4, 4, 2], 17)];
    const other = [randn([1, 8, 8, 2], 18), randn([1, 4, 4, 2], 19)];
    const ctx = { boxes: [Float32Array.from([4, 4, 24, 20])], imageSize: [32, 32] as [number, number] };
    const grads = (t: tf.Tensor[]) =>
      tf.tidy(() =>
        tf
          .grads((a: tf.Tensor, b: tf.Tensor) => loss.compute([a, b], t, ctx).total)(ss)
          .map((g) => Array.from(g.dataSync())),
      );
    const base = grads(ts);
    const g0 = grads([ts[0]!, other[1]!]); // change the teacher's level 1
    const g1 = grads([other[0]!, ts[1]!]); // change the teacher's level 0
    const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(maxDiff(base[0]!, g0[0]!)).toBeLessThan(1e-6); // S_0 does not see T_1
    expect(maxDiff(base[1]!, g0[1]!)).toBeGreaterThan(1e-4); // S_1 sees T_1
    expect(maxDiff(base[1]!, g1[1]!)).toBeGreaterThan(1e-4); // S_1 sees T_0 (lower level)
    loss.dispose();
    tf.dispose([...ss, ...ts, ...other]);
  });

  it("finite-difference gradients through fusion and both attentions", () => {
    const loss = createRdkd({
      studentChannels: [2, 3],
      teacherChannels: [3, 2],
      gammaInit: 0.5,
      upsample: "bilinear",
      fusionKernel: 3,
      seed: 2,
    });
    const s0 = randn([1, 4, 4, 2], 20, 0.5);
    const s1 = randn([1, 2, 2, 3], 21, 0.5);
    const ts = [randn([1, 4, 4, 3], 22, 0.5), randn([1, 2, 2, 2], 23, 0.5)];
    const ctx = { boxes: [Float32Array.from([2, 2, 9, 11])], imageSize: [16, 16] as [number, number] };
    checkGrad((x) => loss.compute([x, s1], ts, ctx).total, s0);
    checkGrad((x) => loss.compute([s0, x], ts, ctx).total, s1);
    loss.dispose();
    tf.dispose([s0, s1, ...ts]);
  });

  it("SGD changes the fusion convs and γ's at once, the attention convs once γ ≠ 0", () => {
    const loss = createRdkd({ studentChannels: [2, 2], teacherChannels: [4, 4] });
    const ss = [randn([2, 4, 4, 2], 24), randn([2, 2, 2, 2], 25)];
    const ts = [randn([2, 4, 4, 4], 26), randn([2, 2, 2, 4], 27)];
    const ctx = {
      boxes: [Float32Array.from([0, 0, 8, 8]), Float32Array.from([4, 4, 16, 12])],
      imageSize: [16, 16] as [number, number],
    };
    const f = () => loss.compute(ss, ts, ctx).total;
    const lv = loss.fusion.levels;
    const gammas = lv.flatMap((l) => [l.pam!.gamma, l.cam!.gamma]);
    expectSgdStepChanges([...lv.flatMap((l) => l.conv.variables), ...gammas], f);
    expectSgdStepChanges(
      lv.flatMap((l) => [...l.pam!.query.variables, ...l.pam!.value.variables]),
      f,
    );
    expect(loss.variables.length).toBe(2 * (2 + 6 + 1 + 1));
    loss.dispose();
    tf.dispose([...ss, ...ts]);
  });

  it("empty images, all-background and single-object maps: finite, no leaks", () => {
    const loss = createRdkd({ studentChannels: [2, 2], teacherChannels: [2, 2], gammaInit: 0.2 });
    const ss = [randn([2, 4, 4, 2], 28), randn([2, 2, 2, 2], 29)];
    const ts = [randn([2, 4, 4, 2], 30), randn([2, 2, 2, 2], 31)];
    for (const boxes of [
      [new Float32Array(0), new Float32Array(0)],
      [Float32Array.from([0, 0, 16, 16]), Float32Array.from([5, 5, 6, 6])],
    ]) {
      expectNoLeak(() => {
        const ctx = { boxes, imageSize: [16, 16] as [number, number] };
        const g = tf.tidy(() =>
          tf
            .grads((a: tf.Tensor, b: tf.Tensor) => loss.compute([a, b], ts, ctx).total)(ss)
            .map((x) => x.dataSync()),
        );
        expect(g.every((x) => x.every(Number.isFinite))).toBe(true);
        const fg = value(() => loss.compute(ss, ts, ctx).parts.fg!);
        if (boxes[0]!.length === 0) expect(fg).toBe(0);
      });
    }
    loss.dispose();
    tf.dispose([...ss, ...ts]);
  });

  it("errors: channel lists, missing context, wrong level count", () => {
    expect(() => createRdkd({ studentChannels: [2], teacherChannels: [2, 2] })).toThrow(/rdkd/);
    const loss = createRdkd({ studentChannels: [2], teacherChannels: [2] });
    const x = tf.zeros([1, 2, 2, 2]);
    expect(() => loss.compute(x, x)).toThrow(/rdkd: ctx.boxes/);
    expect(() => loss.compute(x, x, { boxes: [new Float32Array(0)] })).toThrow(/rdkd: ctx.imageSize/);
    expect(() => loss.compute([x, x], [x, x], { boxes: [new Float32Array(0)], imageSize: [8, 8] })).toThrow(
      /rdkd: expected 1 student levels/,
    );
    loss.dispose();
    x.dispose();
  });
});
