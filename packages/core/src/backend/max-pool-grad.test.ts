import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seeded, seededTensor } from "./test-support";

interface Case {
  name: string;
  x: [number, number, number, number];
  k: number;
  s: number;
  pad: "same" | "valid";
  /** quantize the input so that windows hold ties */
  ties?: boolean;
}

const CASES: Case[] = [
  { name: "2x2 s2 valid 8x8", x: [2, 8, 8, 3], k: 2, s: 2, pad: "valid" },
  { name: "2x2 s2 same 7x9", x: [2, 7, 9, 3], k: 2, s: 2, pad: "same" },
  { name: "2x2 s2 valid 4x8", x: [1, 4, 8, 2], k: 2, s: 2, pad: "valid" },
  { name: "2x2 s2 valid 16x16 with ties", x: [2, 16, 16, 4], k: 2, s: 2, pad: "valid", ties: true },
  { name: "3x3 s2 same", x: [2, 9, 9, 3], k: 3, s: 2, pad: "same" },
  { name: "5x5 s1 same", x: [2, 8, 8, 3], k: 5, s: 1, pad: "same" },
  { name: "5x5 s1 same with ties", x: [2, 8, 8, 3], k: 5, s: 1, pad: "same", ties: true },
];

function input(c: Case): tf.Tensor4D {
  const n = c.x.reduce((a, b) => a * b, 1);
  const v = seeded(n, 21);
  if (c.ties) for (let i = 0; i < n; i++) v[i] = Math.round(v[i]! * 2);
  return tf.tensor4d(v, c.x);
}

function poolGrad(c: Case): tf.Tensor[] {
  const x = input(c);
  const r = seededTensor(tf.maxPool(x, c.k, c.s, c.pad).shape, 22);
  return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), r)))(x)];
}

/** Independent reference: loop over windows, gradient to the first (row-major) maximum, padding excluded (sums in another order than the kernels, hence the 1e-6 tolerance). */
function referenceGrad(c: Case): Float32Array {
  const [nb, h, w, ch] = c.x;
  const x = input(c).dataSync();
  const oh = c.pad === "same" ? Math.ceil(h / c.s) : Math.floor((h - c.k) / c.s) + 1;
  const ow = c.pad === "same" ? Math.ceil(w / c.s) : Math.floor((w - c.k) / c.s) + 1;
  const top = c.pad === "same" ? Math.floor(Math.max(0, (oh - 1) * c.s + c.k - h) / 2) : 0;
  const left = c.pad === "same" ? Math.floor(Math.max(0, (ow - 1) * c.s + c.k - w) / 2) : 0;
  const r = seeded(nb * oh * ow * ch, 22);
  const dx = new Float32Array(x.length);
  for (let n = 0; n < nb; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < ch; k++) {
          let best = -Infinity;
          let at = -1;
          for (let a = 0; a < c.k; a++)
            for (let b = 0; b < c.k; b++) {
              const y = i * c.s - top + a;
              const z = j * c.s - left + b;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              const idx = ((n * h + y) * w + z) * ch + k;
              if (x[idx]! > best) {
                best = x[idx]!;
                at = idx;
              }
            }
          dx[at]! += r[((n * oh + i) * ow + j) * ch + k]!;
        }
  return dx;
}

describe("MaxPoolGrad on wasm (kdet kernel) equals the cpu backend and a loop reference", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      await initBackend({ backend: "cpu", quiet: true });
      const ref = referenceGrad(c);
      const [cpu] = await runOn("cpu", () => poolGrad(c));
      const [wasm] = await runOn("wasm", () => poolGrad(c));
      expect(relativeError(cpu!, ref)).toBeLessThan(1e-6);
      expect(relativeError(wasm!, ref)).toBeLessThan(1e-6);
    });
  }

  it("leaves no tensors behind", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    for (const c of CASES) tf.dispose(tf.tidy(() => poolGrad(c)));
    expect(tf.memory().numTensors).toBe(before);
  });
});
