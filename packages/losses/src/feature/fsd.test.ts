import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createFsd } from "./fsd";
import { centernetHeatmap } from "../masks/centernet-heatmap";
import { checkGrad, expectNoLeak, expectSgdStepChanges, randn, value } from "../testing/grad-check";
import { useCpuBackend } from "../testing/backend";

beforeAll(useCpuBackend);

/** Plain-JS oracle of one level: NHWC data, per-image heat `[H·W]`. */
function fsdRef(
  s: Float32Array,
  t: Float32Array,
  [n, h, w, c]: [number, number, number, number],
  heat: Float64Array[],
  o: { fg: number; bg: number; m: number; k: number; tau: number; power?: number },
): number {
  const hw = h * w;
  const region = (wt: (nn: number, i: number) => number) => {
    let num = 0;
    let den = 0;
    let kl = 0;
    for (let nn = 0; nn < n; nn++) {
      for (let i = 0; i < hw; i++) {
        den += wt(nn, i);
        for (let cc = 0; cc < c; cc++)
          num += wt(nn, i) * (s[(nn * hw + i) * c + cc]! - t[(nn * hw + i) * c + cc]!) ** 2;
      }
      for (let cc = 0; cc < c; cc++) {
        const logp = (x: Float32Array) => {
          const z: number[] = [];
          for (let i = 0; i < hw; i++)
            if (wt(nn, i) > 0) z.push(x[(nn * hw + i) * c + cc]! / o.tau + Math.log(wt(nn, i)));
          const m = Math.max(...z);
          const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
          return z.map((v) => v - lse);
        };
        if (!Array.from({ length: hw }, (_, i) => wt(nn, i)).some((v) => v > 0)) continue;
        const lt = logp(t);
        const ls = logp(s);
        lt.forEach((v, j) => (kl += Math.exp(v) * (v - ls[j]!)));
      }
    }
    const mse = den > 0 ? num / (c * den) : 0;
    return o.m * mse + o.k * ((o.tau * o.tau) / (n * c)) * kl;
  };
  const fg = region((nn, i) => heat[nn]![i]! ** (o.power ?? 1));
  const bg = region((nn, i) => 1 - heat[nn]![i]!);
  return o.fg * fg + o.bg * bg;
}

const heatOf = (boxes: Float32Array[], h: number, w: number, img: [number, number]) =>
  boxes.map((b) => centernetHeatmap(b, undefined, 1, [h, w], img).heatmap);

describe("fsd", () => {
  it("hand-computed 3×3 case: radius-0 box → one-pixel foreground", () => {
    // Box [4,4,8,8] on a 12×12 input, 3×3 map: centre (1,1), gaussian_radius(1,1) = 0.23 → r = 0.
    const sv = [0.5, -1, 0.2, 0.3, 1, 0, -0.4, 0.6, 0.1, 0.9, 0.7, -0.2, 0, 0.3, -0.8, 0.4, 0.5, 0.5];
    const tv = [0.1, -0.5, 0.2, 0.1, 0.4, 0.4, -0.4, 0.2, 0.3, 0.5, 0.7, 0.1, 0.2, 0.3, -0.6, 0, 0.1, 0.7];
    const s = tf.tensor4d(sv, [1, 3, 3, 2]);
    const t = tf.tensor4d(tv, [1, 3, 3, 2]);
    const ctx = { boxes: [Float32Array.from([4, 4, 8, 8])], imageSize: [12, 12] as [number, number] };
    const tau = 2;
    // Foreground = pixel 4 only: mse_fg = Σ_c (s−t)² / (C·1); kl_fg = 0 (a point mass).
    const mseFg = ((sv[8]! - tv[8]!) ** 2 + (sv[9]! - tv[9]!) ** 2) / 2;
    // Background = the other 8 pixels with weight 1: mse_bg = Σ (s−t)² / (2·8).
    let sq = 0;
    for (let i = 0; i < 9; i++)
      if (i !== 4) for (let c = 0; c < 2; c++) sq += (sv[2 * i + c]! - tv[2 * i + c]!) ** 2;
    const mseBg = sq / 16;
    let kl = 0;
    for (let c = 0; c < 2; c++) {
      const px = (v: number[]) => {
        const e = [0, 1, 2, 3, 5, 6, 7, 8].map((i) => Math.exp(v[2 * i + c]! / tau));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((x) => x / z);
      };
      const pt = px(tv);
      const ps = px(sv);
      pt.forEach((p, j) => (kl += p * Math.log(p / ps[j]!)));
    }
    const klBg = ((tau * tau) / 2) * kl;
    const loss = createFsd({ tau });
    const r = tf.tidy(() => {
      const out = loss.compute(s, t, ctx);
      const entries: Array<[string, tf.Scalar]> = [["total", out.total], ...Object.entries(out.parts)];
      return Object.fromEntries(entries.map(([k, v]) => [k, v.dataSync()[0]!]));
    });
    expect(r.fg_mse).toBeCloseTo(2 * mseFg, 5);
    expect(r.fg_kl).toBeCloseTo(0, 6);
    expect(r.bg_mse).toBeCloseTo(mseBg, 5);
    expect(r.bg_kl).toBeCloseTo(5 * klBg, 5);
    expect(r.total).toBeCloseTo(2 * mseFg + mseBg + 5 * klBg, 5);
    tf.dispose([s, t]);
  });

  it("matches the plain-JS oracle with Gaussian (r > 0) heatmaps, two images, two levels", () => {
    const img: [number, number] = [64, 64];
    const boxes = [Float32Array.from([8, 10, 40, 44, 30, 2, 62, 20]), Float32Array.from([20, 20, 50, 60])];
    const cfg = { fgWeight: 1.5, bgWeight: 0.7, mseWeight: 0.8, klWeight: 3, tau: 1.5, heatPower: 2 };
    const shapes: Array<[number, number, number, number]> = [
      [2, 16, 16, 3],
      [2, 8, 8, 3],
    ];
    const ss = shapes.map((sh, i) => randn(sh, 10 + i));
    const ts = shapes.map((sh, i) => randn(sh, 20 + i));
    const heat0 = heatOf(boxes, 16, 16, img);
    expect(Math.max(...heat0[0]!)).toBe(1);
    expect(heat0[0]!.filter((v) => v > 0 && v < 1).length).toBeGreaterThan(0); // r > 0
    const expected = shapes.reduce((acc, sh, i) => {
      const heat = heatOf(boxes, sh[1]!, sh[2]!, img);
      const o = {
        fg: cfg.fgWeight,
        bg: cfg.bgWeight,
        m: cfg.mseWeight,
        k: cfg.klWeight,
        tau: cfg.tau,
        power: cfg.heatPower,
      };
      return acc + fsdRef(ss[i]!.dataSync() as Float32Array, ts[i]!.dataSync() as Float32Array, sh, heat, o);
    }, 0);
    const loss = createFsd(cfg);
    const got = value(() => loss.compute(ss, ts, { boxes, imageSize: img }).total);
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-5);
    tf.dispose([...ss, ...ts]);
  });

  it("is 0 when student equals teacher (boxes, empty images, several levels)", () => {
    const x = [randn([2, 6, 6, 4], 1), randn([2, 3, 3, 4], 2)];
    const boxes = [Float32Array.from([4, 4, 30, 20]), new Float32Array(0)];
    expect(value(() => createFsd().compute(x, x, { boxes, imageSize: [48, 48] }).total)).toBeCloseTo(0, 6);
    tf.dispose(x);
  });

  it("ignores the background when bgWeight = 0 (background features do not matter)", () => {
    const s = randn([1, 8, 8, 3], 3);
    const t = randn([1, 8, 8, 3], 4);
    const boxes = [Float32Array.from([16, 16, 40, 40])];
    const heat = heatOf(boxes, 8, 8, [64, 64])[0]!;
    const noise = tf.tidy(() => {
      const bgMask = tf.tensor4d(
        Float32Array.from(heat, (v) => (v > 0 ? 0 : 1)),
        [1, 8, 8, 1],
      );
      return tf.mul(randn([1, 8, 8, 3], 5, 3), bgMask);
    });
    const loss = createFsd({ bgWeight: 0 });
    const ctx = { boxes, imageSize: [64, 64] as [number, number] };
    const a = value(() => loss.compute(s, t, ctx).total);
    const b = value(() => loss.compute(tf.add(s, noise), tf.sub(t, noise), ctx).total);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeCloseTo(a, 5);
    // With the background weighted, the same perturbation changes the loss.
    const withBg = createFsd();
    expect(
      Math.abs(
        value(() => withBg.compute(tf.add(s, noise), t, ctx).total) -
          value(() => withBg.compute(s, t, ctx).total),
      ),
    ).toBeGreaterThan(1e-3);
    tf.dispose([s, t, noise]);
  });

  it("finite-difference gradient (float32, central differences)", () => {
    const s = randn([1, 5, 5, 2], 6, 0.5);
    const t = randn([1, 5, 5, 2], 7, 0.5);
    const loss = createFsd({ tau: 1.5 });
    const ctx = { boxes: [Float32Array.from([6, 6, 34, 30])], imageSize: [40, 40] as [number, number] };
    checkGrad((x) => loss.compute(x, t, ctx).total, s);
    tf.dispose([s, t]);
  });

  it("stays finite on empty images, all-background maps and a single object; no leaks", () => {
    const s = randn([2, 4, 4, 2], 8);
    const t = randn([2, 4, 4, 2], 9);
    const loss = createFsd();
    for (const boxes of [
      [new Float32Array(0), new Float32Array(0)],
      [Float32Array.from([0, 0, 4, 4]), new Float32Array(0)],
    ]) {
      expectNoLeak(() => {
        const g = tf.tidy(() =>
          tf
            .grad((x: tf.Tensor) => loss.compute(x, t, { boxes, imageSize: [32, 32] }).total)(s)
            .dataSync(),
        );
        expect(g.every(Number.isFinite)).toBe(true);
        const r = tf.tidy(
          () => loss.compute(s, t, { boxes, imageSize: [32, 32] }).parts.fg_mse!.dataSync()[0]!,
        );
        expect(Number.isFinite(r)).toBe(true);
        if (boxes[0]!.length === 0) expect(r).toBe(0);
      });
    }
    tf.dispose([s, t]);
  });

  it("align conv (C_s ≠ C_t): one SGD step changes its weights; dispose frees them", () => {
    const s = randn([1, 4, 4, 3], 10);
    const t = randn([1, 4, 4, 5], 11);
    const loss = createFsd({ studentChannels: 3, teacherChannels: 5 });
    expect(loss.variables.length).toBe(2);
    const ctx = { boxes: [Float32Array.from([2, 2, 20, 14])], imageSize: [32, 32] as [number, number] };
    expectSgdStepChanges(loss.variables, () => loss.compute(s, t, ctx).total);
    const before = tf.memory().numTensors;
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    tf.dispose([s, t]);
  });

  it("errors name the missing context and bad shapes", () => {
    const x = tf.zeros([1, 2, 2, 1]);
    expect(() => createFsd().compute(x, x)).toThrow(/fsd: ctx.boxes/);
    expect(() => createFsd().compute(x, x, { boxes: [new Float32Array(0)] })).toThrow(/fsd: ctx.imageSize/);
    expect(() =>
      createFsd().compute(x, tf.zeros([1, 3, 2, 1]), { boxes: [new Float32Array(0)], stride: 8 }),
    ).toThrow(/fsd/);
    expect(() => createFsd({ tau: 0 } as never)).toThrow();
    x.dispose();
  });
});
