import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seeded, seededTensor } from "./test-support";

interface Case {
  name: string;
  x: [number, number, number, number];
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

const CASES: Case[] = [
  {
    name: "x2 upsample, batch 3",
    x: [3, 4, 5, 2],
    size: [8, 10],
    alignCorners: false,
    halfPixelCenters: false,
  },
  {
    name: "non-integer scale, batch 2",
    x: [2, 5, 7, 3],
    size: [9, 11],
    alignCorners: false,
    halfPixelCenters: false,
  },
  {
    name: "alignCorners, batch 2",
    x: [2, 5, 7, 3],
    size: [9, 11],
    alignCorners: true,
    halfPixelCenters: false,
  },
  {
    name: "halfPixelCenters, batch 2",
    x: [2, 5, 7, 3],
    size: [9, 11],
    alignCorners: false,
    halfPixelCenters: true,
  },
  {
    name: "downsample, batch 2",
    x: [2, 8, 8, 2],
    size: [3, 5],
    alignCorners: false,
    halfPixelCenters: false,
  },
];

/**
 * Independent reference from the cpu *forward* kernel: resize an image whose values are their own
 * flat indices, so each output holds its source index; then scatter dy along that map.
 */
async function referenceGrad(c: Case): Promise<Float32Array> {
  const n = c.x.reduce((a, b) => a * b, 1);
  const [src] = await runOn("cpu", () => [
    tf.image.resizeNearestNeighbor(
      tf.tensor4d(
        Float32Array.from({ length: n }, (_, i) => i),
        c.x,
      ),
      c.size,
      c.alignCorners,
      c.halfPixelCenters,
    ),
  ]);
  const dy = seeded(src!.length, 41);
  const dx = new Float32Array(n);
  src!.forEach((s, o) => (dx[s]! += dy[o]!));
  return dx;
}

function resizeGrad(c: Case): tf.Tensor[] {
  const x = seededTensor(c.x, 40) as tf.Tensor4D;
  const dy = seededTensor([c.x[0], c.size[0], c.size[1], c.x[3]], 41);
  return [
    tf.grad((a: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.image.resizeNearestNeighbor(a as tf.Tensor4D, c.size, c.alignCorners, c.halfPixelCenters),
          dy,
        ),
      ),
    )(x),
  ];
}

describe("ResizeNearestNeighborGrad (kdet fix on cpu, kdet kernel on wasm) is the adjoint of the forward resize", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ref = await referenceGrad(c);
      const [cpu] = await runOn("cpu", () => resizeGrad(c));
      const [wasm] = await runOn("wasm", () => resizeGrad(c));
      expect(relativeError(cpu!, ref)).toBeLessThan(1e-6);
      expect(relativeError(wasm!, ref)).toBeLessThan(1e-6);
    });
  }

  it("leaves no tensors behind", async () => {
    for (const backend of ["cpu", "wasm"] as const) {
      await initBackend({ backend, quiet: true });
      const before = tf.memory().numTensors;
      for (const c of CASES) tf.dispose(tf.tidy(() => resizeGrad(c)));
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
