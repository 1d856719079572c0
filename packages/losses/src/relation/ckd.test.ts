import * as tf from "@tensorflow/tfjs-core";
// Keep @kdet/core after tfjs-core: imported first, it breaks tf.addN gradients (see the report).
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { backgroundCells, cellRect, sampleCells } from "./ckd-embeddings";
import { createCkd } from "./ckd";
import { checkGrad, expectNoLeak, expectSgdStepChanges, randn, value } from "../testing/grad-check";
import { useCpuBackend } from "../testing/backend";

beforeAll(useCpuBackend);

const norm = (x: number[]) => {
  const l = Math.hypot(...x);
  return x.map((v) => v / l);
};
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
/** −log softmax(pos | negs) in double precision. */
const nce = (u: number[], pos: number[], negs: number[][], tau: number) => {
  const z = [dot(u, pos), ...negs.map((n) => dot(u, n))].map((v) => v / tau);
  const m = Math.max(...z);
  return -(z[0]! - m - Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)));
};
/** Feature vector of NHWC data at (n, y, x). */
const at = (d: number[], [, h, w, c]: number[], n: number, y: number, x: number) =>
  d.slice(((n * h! + y) * w! + x) * c!, ((n * h! + y) * w! + x + 1) * c!);

describe("ckd embeddings", () => {
  it("cell rectangles, background cells and sampling", () => {
    const g = { h: 4, w: 4, stride: [8, 8] as [number, number] };
    expect(cellRect([3, 5, 17, 20], g, "roi")).toEqual([0, 2, 0, 2]);
    expect(cellRect([3, 5, 17, 20], g, "center")).toEqual([1, 1, 1, 1]);
    expect(cellRect([-10, 28, 40, 31], g, "roi")).toEqual([3, 3, 0, 3]); // clamped
    expect(backgroundCells([0, 0, 12, 12], g)).toEqual([2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const r = new Rng(1);
    const pick = sampleCells([1, 2, 3, 4, 5], 3, () => r.next());
    expect(pick.length).toBe(3);
    expect(new Set(pick).size).toBe(3);
    expect(sampleCells([4, 7], 5, Math.random)).toEqual([4, 7]);
  });
});

describe("ckd", () => {
  const shape = [1, 2, 2, 2];
  const sv = [0.5, 1, 0.2, -0.3, 1, 0.4, -0.6, 0.2];
  const tv = [0.4, 1.2, 0.7, -0.1, 0.9, -0.2, -0.5, 0.5];
  // 16×16 input, 2×2 map (stride 8): b0 centre cell (0,0), b1 centre cell (1,1); background (0,1), (1,0).
  const boxes = [Float32Array.from([0, 0, 6, 6, 8, 8, 16, 16])];

  it("hand-computed 2×2 case: instance and background negatives, no projector", () => {
    const s = tf.tensor4d(sv, [1, 2, 2, 2]);
    const t = tf.tensor4d(tv, [1, 2, 2, 2]);
    const tau = 0.5;
    const u = [at(sv, shape, 0, 0, 0), at(sv, shape, 0, 1, 1)].map(norm);
    const v = [at(tv, shape, 0, 0, 0), at(tv, shape, 0, 1, 1)].map(norm);
    const b = [at(tv, shape, 0, 0, 1), at(tv, shape, 0, 1, 0)].map(norm);
    const contrastive = (nce(u[0]!, v[0]!, [v[1]!, ...b], tau) + nce(u[1]!, v[1]!, [v[0]!, ...b], tau)) / 2;
    const imitation = sv.reduce((a, x, i) => a + (x - tv[i]!) ** 2, 0) / 8;
    const loss = createCkd({
      projector: "none",
      pooling: "center",
      tau,
      contrastiveWeight: 2,
      imitationWeight: 0.5,
    });
    const ctx = { boxes, imageSize: [16, 16] as [number, number] };
    const r = tf.tidy(() => {
      const out = loss.compute(s, t, ctx);
      return [out.total, out.parts.contrastive!, out.parts.imitation!].map((x) => x.dataSync()[0]!);
    });
    expect(r[1]).toBeCloseTo(2 * contrastive, 5);
    expect(r[2]).toBeCloseTo(0.5 * imitation, 6);
    expect(r[0]).toBeCloseTo(2 * contrastive + 0.5 * imitation, 5);
    // S = T: imitation 0 and u = v; the InfoNCE keeps the mass of the negatives.
    const aligned = (nce(v[0]!, v[0]!, [v[1]!, ...b], tau) + nce(v[1]!, v[1]!, [v[0]!, ...b], tau)) / 2;
    expect(value(() => loss.compute(t, t, ctx).total)).toBeCloseTo(2 * aligned, 5);
    tf.dispose([s, t]);
  });

  it("cross-image negative: the same box pooled (roi average) on the other image", () => {
    const s = randn([2, 2, 2, 3], 1);
    const t = randn([2, 2, 2, 3], 2);
    const sd = Array.from(s.dataSync());
    const td = Array.from(t.dataSync());
    const sh = [2, 2, 2, 3];
    // Box over the top row (cells (0,0) and (0,1)) of image 0; image 1 has no objects.
    const avg = (d: number[], n: number) =>
      at(d, sh, n, 0, 0).map((x, i) => (x + at(d, sh, n, 0, 1)[i]!) / 2);
    const expected = nce(norm(avg(sd, 0)), norm(avg(td, 0)), [norm(avg(td, 1))], 0.3);
    const loss = createCkd({ projector: "none", tau: 0.3, backgroundPerLevel: 0, imitationWeight: 0 });
    const ctx = {
      boxes: [Float32Array.from([0, 0, 16, 8]), new Float32Array(0)],
      imageSize: [16, 16] as [number, number],
    };
    expect(value(() => loss.compute(s, t, ctx).total)).toBeCloseTo(expected, 5);
    // Without any negative a single object gives 0.
    const alone = createCkd({
      projector: "none",
      backgroundPerLevel: 0,
      crossImageNegatives: false,
      imitationWeight: 0,
    });
    expect(value(() => alone.compute(s, t, ctx).total)).toBeCloseTo(0, 6);
    tf.dispose([s, t]);
  });

  it("is invariant to a joint permutation of the instances (random background draws)", () => {
    const ss = [randn([2, 8, 8, 4], 3), randn([2, 4, 4, 4], 4)];
    const ts = [randn([2, 8, 8, 4], 5), randn([2, 4, 4, 4], 6)];
    const b = [
      [2, 3, 20, 30, 40, 8, 60, 20, 0, 0, 64, 64],
      [10, 10, 30, 50, 33, 40, 63, 63],
    ];
    const perm = [
      [...b[0]!.slice(8), ...b[0]!.slice(0, 8)],
      [...b[1]!.slice(4), ...b[1]!.slice(0, 4)],
    ];
    const loss = createCkd({ teacherChannels: 4, projDim: 8, backgroundPerLevel: 5 });
    const run = (bx: number[][]) => {
      const rng = new Rng(7);
      return value(
        () =>
          loss.compute(ss, ts, {
            boxes: bx.map((x) => Float32Array.from(x)),
            imageSize: [64, 64],
            rng: () => rng.next(),
          }).total,
      );
    };
    expect(run(perm)).toBeCloseTo(run(b), 5);
    tf.dispose([...ss, ...ts]);
  });

  it("assigns objects to levels by size: level-0 features do not reach a large object's term", () => {
    const ss = [randn([1, 8, 8, 2], 8), randn([1, 4, 4, 2], 9)];
    const ts = [randn([1, 8, 8, 2], 10), randn([1, 4, 4, 2], 11)];
    const noise = randn([1, 8, 8, 2], 12);
    const loss = createCkd({ projector: "none", backgroundPerLevel: 0, imitationWeight: 0, tau: 0.2 });
    // sqrt(120·120)/56 ≈ 2.1 → level 1; sqrt(16·16)/56 < 1 → level 0.
    const ctx = {
      boxes: [Float32Array.from([0, 0, 120, 120, 4, 4, 20, 20])],
      imageSize: [128, 128] as [number, number],
    };
    const a = value(() => loss.compute(ss, ts, ctx).total);
    const big = { boxes: [Float32Array.from([0, 0, 120, 120])], imageSize: [128, 128] as [number, number] };
    const b1 = value(() => loss.compute(ss, ts, big).total);
    const b2 = value(
      () => loss.compute([tf.add(ss[0]!, noise), ss[1]!], [tf.sub(ts[0]!, noise), ts[1]!], big).total,
    );
    expect(b2).toBeCloseTo(b1, 6);
    expect(Math.abs(a - b1)).toBeGreaterThan(1e-4); // the small object sits on level 0
    tf.dispose([...ss, ...ts, noise]);
  });

  it("finite-difference gradient through the shared projector", () => {
    const s = randn([2, 4, 4, 3], 13, 0.5);
    const t = randn([2, 4, 4, 3], 14, 0.5);
    const loss = createCkd({ teacherChannels: 3, projDim: 4, tau: 0.5, backgroundPerLevel: 2 });
    const ctx = () => {
      const rng = new Rng(3);
      return {
        boxes: [Float32Array.from([0, 0, 14, 14, 16, 4, 30, 30]), Float32Array.from([8, 8, 24, 24])],
        imageSize: [32, 32] as [number, number],
        rng: () => rng.next(),
      };
    };
    checkGrad((x) => loss.compute(x, t, ctx()).total, s);
    loss.dispose();
    tf.dispose([s, t]);
  });

  it("trainable adapters: one SGD step changes the align conv and both projectors", () => {
    const s = randn([2, 4, 4, 2], 15);
    const t = randn([2, 4, 4, 3], 16);
    const loss = createCkd({ studentChannels: 2, teacherChannels: 3, projector: "separate", projDim: 4 });
    expect(loss.variables.length).toBe(6);
    const ctx = {
      boxes: [Float32Array.from([0, 0, 16, 16]), Float32Array.from([10, 10, 30, 30])],
      imageSize: [32, 32] as [number, number],
    };
    expectSgdStepChanges(loss.variables, () => loss.compute(s, t, ctx).total);
    const before = tf.memory().numTensors;
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before - 6);
    tf.dispose([s, t]);
  });

  it("per-level channels: one align conv and one projector per level into a common embedding", () => {
    const ss = [randn([1, 8, 8, 3], 40), randn([1, 4, 4, 5], 41)];
    const ts = [randn([1, 8, 8, 4], 42), randn([1, 4, 4, 6], 43)];
    const loss = createCkd({ studentChannels: [3, 5], teacherChannels: [4, 6], projDim: 4 });
    expect(loss.variables.length).toBe(8); // 2 aligns + 2 projectors, weight and bias each
    const ctx = {
      boxes: [Float32Array.from([0, 0, 120, 120, 4, 4, 20, 20])],
      imageSize: [128, 128] as [number, number],
    };
    expectSgdStepChanges(loss.variables, () => loss.compute(ss, ts, ctx).total);
    expect(() => loss.compute([ss[0]!], [ts[0]!], ctx)).toThrow(/ckd: .* 2 entries for 1 levels/);
    const none = createCkd({ projector: "none" });
    expect(() => none.compute([ts[0]!, ts[1]!], ts, ctx)).toThrow(/ckd: levels embed to different sizes/);
    loss.dispose();
    tf.dispose([...ss, ...ts]);
  });

  it("empty images, all-background maps, a single object: finite values and gradients, no leaks", () => {
    const s = randn([2, 4, 4, 3], 17);
    const t = randn([2, 4, 4, 3], 18);
    const loss = createCkd({ teacherChannels: 3, projDim: 4 });
    const cases = [
      [new Float32Array(0), new Float32Array(0)],
      [Float32Array.from([4, 4, 12, 12]), new Float32Array(0)],
      [Float32Array.from([0, 0, 32, 32]), Float32Array.from([0, 0, 32, 32])],
    ];
    for (const boxes of cases) {
      expectNoLeak(() => {
        const ctx = { boxes, imageSize: [32, 32] as [number, number] };
        const g = tf.tidy(() =>
          tf
            .grad((x: tf.Tensor) => loss.compute(x, t, ctx).total)(s)
            .dataSync(),
        );
        expect(g.every(Number.isFinite)).toBe(true);
        const c = value(() => loss.compute(s, t, ctx).parts.contrastive!);
        expect(Number.isFinite(c)).toBe(true);
        if (boxes[0]!.length === 0) expect(c).toBe(0);
      });
    }
    loss.dispose();
    tf.dispose([s, t]);
  });

  it("errors name the missing context", () => {
    const x = tf.zeros([1, 2, 2, 2]);
    expect(() => createCkd()).toThrow(/ckd: teacherChannels/);
    expect(() => createCkd({ projector: "none" }).compute(x, x)).toThrow(/ckd: ctx.boxes/);
    expect(() => createCkd({ projector: "none" }).compute(x, x, { boxes: [new Float32Array(0)] })).toThrow(
      /ckd: ctx.imageSize/,
    );
    x.dispose();
  });
});
