import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { isNativeRegistered } from "@kdet/native";
import { initBackend } from "../backend/init-backend";
import { ROI_ALIGN, ROI_ALIGN_GRAD, roiAlignGradValues, roiAlignValues } from "../backend/roi-align";
import { Rng } from "../random";
import { roiAlign, type RoIAlignOptions } from "./roi-align";

/**
 * Brute-force RoIAlign reference, written from the torchvision/mmcv definition independently of the
 * implementation: one loop per output cell and sampling point, with its own bilinear taps (the
 * clamp formulation: y ∈ [−1, H] else no taps, y clamped to [0, H − 1], rows ⌊y⌋ and min(⌊y⌋+1, H−1)).
 */
interface Case {
  shape: [number, number, number, number];
  features: Float64Array;
  rois: number[][];
  opts: Required<RoIAlignOptions>;
}

/** Bilinear taps [row, col, weight] of point (y, x) on an H×W grid; none outside [−1, H] × [−1, W]. */
function taps(h: number, w: number, y: number, x: number): [number, number, number][] {
  if (y < -1 || y > h || x < -1 || x > w) return [];
  const yc = Math.min(Math.max(y, 0), h - 1);
  const xc = Math.min(Math.max(x, 0), w - 1);
  const r0 = Math.floor(yc);
  const c0 = Math.floor(xc);
  const r1 = Math.min(r0 + 1, h - 1);
  const c1 = Math.min(c0 + 1, w - 1);
  const ly = yc - r0;
  const lx = xc - c0;
  return [
    [r0, c0, (1 - ly) * (1 - lx)],
    [r0, c1, (1 - ly) * lx],
    [r1, c0, ly * (1 - lx)],
    [r1, c1, ly * lx],
  ];
}

/**
 * Calls `visit(k, i, j, b, row, col, weight)` for every tap of every sampling point of every
 * output cell (weight already divided by the point count).
 */
function bruteForce(
  t: Case,
  visit: (k: number, i: number, j: number, b: number, row: number, col: number, wt: number) => void,
): void {
  const [, h, w] = t.shape;
  const { outputSize, spatialScale: s, samplingRatio, aligned } = t.opts;
  const [ph, pw] = outputSize;
  t.rois.forEach(([b, x1, y1, x2, y2], k) => {
    const off = aligned ? 0.5 : 0;
    const sx = x1! * s - off;
    const sy = y1! * s - off;
    const rw = aligned ? x2! * s - off - sx : Math.max(x2! * s - off - sx, 1);
    const rh = aligned ? y2! * s - off - sy : Math.max(y2! * s - off - sy, 1);
    const gh = samplingRatio > 0 ? samplingRatio : Math.ceil(rh / ph);
    const gw = samplingRatio > 0 ? samplingRatio : Math.ceil(rw / pw);
    const count = Math.max(gh * gw, 1);
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        for (let iy = 0; iy < gh; iy++) {
          for (let ix = 0; ix < gw; ix++) {
            const y = sy + (rh / ph) * (i + (iy + 0.5) / gh);
            const x = sx + (rw / pw) * (j + (ix + 0.5) / gw);
            for (const [row, col, wt] of taps(h, w, y, x)) visit(k, i, j, b!, row, col, wt / count);
          }
        }
      }
    }
  });
}

function referenceForward(t: Case): Float64Array {
  const [, h, w, c] = t.shape;
  const [ph, pw] = t.opts.outputSize;
  const out = new Float64Array(t.rois.length * ph * pw * c);
  bruteForce(t, (k, i, j, b, row, col, wt) => {
    for (let ch = 0; ch < c; ch++) {
      out[((k * ph + i) * pw + j) * c + ch]! += wt * t.features[((b * h + row) * w + col) * c + ch]!;
    }
  });
  return out;
}

/** d/dfeatures of Σ out·r from the brute force's explicit weights. */
function referenceAdjoint(t: Case, r: Float32Array): Float64Array {
  const [n, h, w, c] = t.shape;
  const [ph, pw] = t.opts.outputSize;
  const dx = new Float64Array(n * h * w * c);
  bruteForce(t, (k, i, j, b, row, col, wt) => {
    for (let ch = 0; ch < c; ch++) {
      dx[((b * h + row) * w + col) * c + ch]! += wt * r[((k * ph + i) * pw + j) * c + ch]!;
    }
  });
  return dx;
}

/** Random features and RoIs (stride 4 → image 4·W × 4·H): inside, crossing the border, tiny, larger than the image, degenerate. */
function makeCase(seed: number, samplingRatio: number, aligned: boolean): Case {
  const rng = new Rng(seed);
  const shape: Case["shape"] = [3, 9, 11, 3];
  const [n, h, w, c] = shape;
  const features = Float64Array.from({ length: n * h * w * c }, () => Math.fround(rng.uniform(-1, 1)));
  const imgW = w * 4;
  const imgH = h * 4;
  const rois: number[][] = [];
  for (let k = 0; k < 24; k++) {
    const b = rng.int(0, n);
    const kind = k % 4;
    let x1: number;
    let y1: number;
    let bw: number;
    let bh: number;
    if (kind === 0) {
      [x1, y1, bw, bh] = [
        rng.uniform(0, imgW / 2),
        rng.uniform(0, imgH / 2),
        rng.uniform(4, 20),
        rng.uniform(4, 20),
      ];
    } else if (kind === 1) {
      [x1, y1, bw, bh] = [
        rng.uniform(-15, imgW - 5),
        rng.uniform(-15, imgH - 5),
        rng.uniform(10, 30),
        rng.uniform(10, 30),
      ];
    } else if (kind === 2) {
      [x1, y1, bw, bh] = [
        rng.uniform(-2, imgW),
        rng.uniform(-2, imgH),
        rng.uniform(0, 1.5),
        rng.uniform(0, 1.5),
      ];
    } else {
      [x1, y1, bw, bh] = [
        rng.uniform(-30, -5),
        rng.uniform(-30, -5),
        imgW + rng.uniform(20, 60),
        imgH + rng.uniform(20, 60),
      ];
    }
    rois.push([b, x1, y1, x1 + bw, y1 + bh].map(Math.fround));
  }
  rois.push([n - 1, 30, 20, 25, 18]); // x2 < x1, y2 < y1
  rois.push([n - 1, imgW + 3, imgH + 3, imgW + 9, imgH + 9]); // entirely beyond the image
  return { shape, features, rois, opts: { outputSize: [3, 4], spatialScale: 0.25, samplingRatio, aligned } };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function featuresTensor(t: Case): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(t.features), t.shape);
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`roiAlign on ${backend} equals a brute-force reference`, () => {
    for (const samplingRatio of [0, 2]) {
      for (const aligned of [true, false]) {
        it(`forward and gradient, samplingRatio ${samplingRatio}, aligned ${aligned}`, async () => {
          await initBackend({ backend, quiet: true });
          const t = makeCase(7 + samplingRatio * 10 + (aligned ? 1 : 0), samplingRatio, aligned);
          const before = tf.memory().numTensors;
          const x = featuresTensor(t);
          const rois = tf.tensor2d(t.rois);
          const out = roiAlign(x, rois, t.opts);
          expect(out.shape).toEqual([t.rois.length, 3, 4, 3]);
          const fwd = maxAbsDiff(out.dataSync(), referenceForward(t));
          const r = new Rng(99).uniformTensor(out.shape, -1, 1);
          const rv = r.dataSync() as Float32Array;
          const grad = tf.grad((f) => tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, rois, t.opts), r)))(x);
          const adj = referenceAdjoint(t, rv);
          const bwd = maxAbsDiff(grad.dataSync(), adj);
          tf.dispose([x, rois, out, r, grad]);
          expect(tf.memory().numTensors).toBe(before);
          expect(fwd).toBeLessThanOrEqual(1e-5);
          expect(bwd).toBeLessThanOrEqual(1e-5);
          // the reference is not trivial: most outputs and most feature pixels are touched
          expect(adj.some((v) => v !== 0)).toBe(true);
          console.log(
            `roiAlign ${backend} s=${samplingRatio} aligned=${aligned}: max abs error forward ${fwd.toExponential(2)}, gradient ${bwd.toExponential(2)}`,
          );
        });
      }
    }

    it("matches a hand-computed 2×2 case (last row/column rule, not aligned)", async () => {
      await initBackend({ backend, quiet: true });
      // samples at (y, x) ∈ {0.5, 1.5}²: 2.5, 3 (x = 1.5 → last column), 3.5 (y → last row), 4; mean 3.25
      const out = tf.tidy(() =>
        roiAlign(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), tf.tensor2d([[0, 0, 0, 2, 2]]), {
          outputSize: [1, 1],
          spatialScale: 1,
          samplingRatio: 2,
          aligned: false,
        }).dataSync(),
      );
      expect(Array.from(out)).toEqual([3.25]);
    });

    it("gradient equals central finite differences (small case), rois get zeros", async () => {
      await initBackend({ backend, quiet: true });
      const rng = new Rng(5);
      const shape: [number, number, number, number] = [2, 4, 5, 2];
      const x = rng.uniformTensor(shape, -1, 1) as tf.Tensor4D;
      const rois = tf.tensor2d([
        [1, -3, 2, 9, 14],
        [0, 0.5, 0.5, 2, 3],
        [1, 10, 6, 30, 25],
      ]);
      const opts: RoIAlignOptions = {
        outputSize: [2, 3],
        spatialScale: 0.5,
        samplingRatio: 0,
        aligned: true,
      };
      const r = rng.uniformTensor([3, 2, 3, 2], -1, 1);
      const loss = (f: tf.Tensor4D) => tf.sum(tf.mul(roiAlign(f, rois, opts), r));
      const before = tf.memory().numTensors;
      const [gx, gr] = tf.grads((f: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, b as tf.Tensor2D, opts), r)),
      )([x, rois]);
      const g = gx!.dataSync();
      expect(Array.from(gr!.dataSync()).every((v) => v === 0)).toBe(true);
      const xv = x.dataSync();
      const eps = 0.25;
      let maxErr = 0;
      for (let i = 0; i < xv.length; i++) {
        const fd = tf.tidy(() => {
          const e = tf
            .oneHot(tf.tensor1d([i], "int32"), xv.length)
            .reshape(shape)
            .mul(eps);
          const plus = loss(tf.add(x, e) as tf.Tensor4D).dataSync()[0]!;
          const minus = loss(tf.sub(x, e) as tf.Tensor4D).dataSync()[0]!;
          return (plus - minus) / (2 * eps);
        });
        maxErr = Math.max(maxErr, Math.abs(fd - g[i]!));
      }
      tf.dispose([gx!, gr!]);
      expect(tf.memory().numTensors).toBe(before);
      expect(g.some((v) => v !== 0)).toBe(true);
      expect(maxErr).toBeLessThan(1e-4);
      tf.dispose([x, rois, r]);
    });

    it("trains through tf.variableGrads inside tf.tidy without leaking", async () => {
      await initBackend({ backend, quiet: true });
      const v = tf.variable(new Rng(3).uniformTensor([1, 6, 6, 4], -1, 1));
      const rois = tf.tensor2d([[0, 2, 2, 20, 18]]);
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() =>
            tf.sum(
              tf.square(
                roiAlign(v as tf.Variable<tf.Rank.R4>, rois, { outputSize: [2, 2], spatialScale: 0.25 }),
              ),
            ),
          );
          const g = grads[v.name]!;
          expect(g.shape).toEqual([1, 6, 6, 4]);
          return value.dataSync()[0]!;
        });
      step();
      const before = tf.memory().numTensors;
      const a = step();
      expect(tf.memory().numTensors).toBe(before);
      expect(a).toBeGreaterThan(0);
      tf.dispose([v, rois]);
    });

    it("rejects bad options and batch indices with clear errors", async () => {
      await initBackend({ backend, quiet: true });
      const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
      const ok = tf.tensor2d([[1, 0, 0, 4, 4]]);
      expect(() => roiAlign(x, ok, { outputSize: [0, 7], spatialScale: 1 })).toThrow(
        /roiAlign: option 'outputSize.0'/,
      );
      expect(() => roiAlign(x, ok, { outputSize: [7, 7], spatialScale: 1, samplingRatio: 1.5 })).toThrow(
        /samplingRatio/,
      );
      const bad = tf.tensor2d([[2, 0, 0, 4, 4]]);
      expect(() => roiAlign(x, bad, { outputSize: [2, 2], spatialScale: 1 })).toThrow(
        /rois\[0\] batch index 2 is not an integer in \[0, 2\)/,
      );
      expect(() =>
        roiAlign(x, tf.zeros([3, 4]) as tf.Tensor2D, { outputSize: [2, 2], spatialScale: 1 }),
      ).toThrow(/rois must be \[K, 5\]/);
      tf.dispose([x, ok, bad]);
    });
  });
}

describe("roiAlign on wasm with @kdet/native's kernels", () => {
  it("registers them where the addon loads, and they equal the JS kernels on an FPN level with border RoIs", async () => {
    const { message } = await initBackend({ backend: "wasm", quiet: true });
    const native = isNativeRegistered(ROI_ALIGN) && isNativeRegistered(ROI_ALIGN_GRAD);
    expect(native).toBe(/on oneDNN/.test(message));
    if (!native) return; // no addon here (or KDET_NATIVE=0): the JS kernels run, tested above
    const rng = new Rng(5);
    const featureShape: [number, number, number, number] = [2, 16, 12, 40];
    const x = rng.uniformTensor(featureShape, -1, 1) as tf.Tensor4D;
    // 60 RoIs of 1-80 px on a 64x48 image (stride 4), a third of them crossing its border
    const rois = tf.tensor2d(
      Array.from({ length: 60 }, (_, k) => {
        const [x1, y1] = [rng.uniform(-20, 60), rng.uniform(-20, 44)];
        return [k % 2, x1, y1, x1 + rng.uniform(1, 80), y1 + rng.uniform(1, 80)];
      }),
    );
    for (const [samplingRatio, aligned] of [
      [0, true],
      [2, false],
    ] as const) {
      const opts = { outputSize: [7, 7] as [number, number], spatialScale: 0.25, samplingRatio, aligned };
      const attrs = {
        pooledHeight: 7,
        pooledWidth: 7,
        spatialScale: 0.25,
        samplingRatio,
        aligned,
        featureShape,
      };
      const dy = rng.uniformTensor([60, 7, 7, 40], -1, 1);
      const out = roiAlign(x, rois, opts);
      const grad = tf.grad((f) => tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, rois, opts), dy)))(x);
      const [xs, rs, dys] = [x, rois, dy].map((t) => t.dataSync() as Float32Array) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      // the same taps summed in the same order: equal to float32 rounding
      expect(maxAbsDiff(out.dataSync(), roiAlignValues(xs, rs, attrs))).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(grad.dataSync(), roiAlignGradValues(dys, rs, attrs))).toBeLessThanOrEqual(1e-6);
      tf.dispose([dy, out, grad]);
    }
    const bad = tf.tensor2d([[2.5, 0, 0, 4, 4]]);
    expect(() => roiAlign(x, bad, { outputSize: [2, 2], spatialScale: 1 })).toThrow(
      /rois\[0\] batch index 2.5 is not an integer in \[0, 2\)/,
    );
    // a diverged box (a non-finite coordinate): NaN outputs and no gradient, the other RoIs as without it
    const opts = { outputSize: [2, 2] as [number, number], spatialScale: 0.25, samplingRatio: 2 };
    const good = [1, 4, 4, 30, 20];
    const withBad = tf.tensor2d([[0, Number.NaN, 4, 30, 20], good, [1, 4, Number.POSITIVE_INFINITY, 30, 20]]);
    const alone = tf.tensor2d([good]);
    const dy = rng.uniformTensor([3, 2, 2, 40], -1, 1);
    const out = roiAlign(x, withBad, opts).arraySync() as number[][][][];
    expect(out[0]!.flat(2).every(Number.isNaN)).toBe(true);
    expect(out[2]!.flat(2).every(Number.isNaN)).toBe(true);
    expect(out[1]).toEqual((roiAlign(x, alone, opts).arraySync() as number[][][][])[0]);
    const g = (r: tf.Tensor2D, d: tf.Tensor) =>
      tf
        .grad((f) => tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, r, opts), d)))(x)
        .dataSync();
    expect(Array.from(g(withBad, dy))).toEqual(Array.from(g(alone, tf.slice(dy, [1], [1]))));
    tf.dispose([x, rois, bad, withBad, alone, dy]);
  });
});
