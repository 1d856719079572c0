import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { describe, expect, it } from "vitest";
import { loadAddon } from "./addon";
import { isNativeRegistered, registerNativeKernels } from "./register";

/*
 * The native ResizeNearestNeighborGrad against a brute-force oracle: the source pixel of every output pixel
 * is read off tfjs-cpu's forward `resizeNearestNeighbor` of an image holding each pixel's own index, and dy
 * is scatter-added there in a plain loop (tfjs-cpu's own gradient kernel is wrong for batch > 1).
 */

interface Case {
  name: string;
  image: [number, number, number, number];
  out: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

const CASES: Case[] = [
  {
    name: "×2 (FPN upsampling), batch 3",
    image: [3, 5, 4, 7],
    out: [10, 8],
    alignCorners: false,
    halfPixelCenters: false,
  },
  { name: "5×4 → 7×9", image: [2, 5, 4, 3], out: [7, 9], alignCorners: false, halfPixelCenters: false },
  {
    name: "7×6 → 3×4 (downscale)",
    image: [2, 7, 6, 2],
    out: [3, 4],
    alignCorners: false,
    halfPixelCenters: false,
  },
  {
    name: "alignCorners 5×4 → 9×7",
    image: [2, 5, 4, 3],
    out: [9, 7],
    alignCorners: true,
    halfPixelCenters: false,
  },
  {
    name: "halfPixelCenters 5×4 → 8×11",
    image: [2, 5, 4, 3],
    out: [8, 11],
    alignCorners: false,
    halfPixelCenters: true,
  },
  // above the threading threshold (32k dy values): the threaded loop
  {
    name: "×2, 2×16×16×128 (threaded)",
    image: [2, 16, 16, 128],
    out: [32, 32],
    alignCorners: false,
    halfPixelCenters: false,
  },
];

function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** dx by brute force: source pixel of each output pixel from the cpu forward kernel, then a scatter-add loop. */
async function oracle(c: Case, dy: Float32Array): Promise<Float32Array> {
  await tf.setBackend("cpu");
  const [nb, h, w, ch] = c.image;
  const [oh, ow] = c.out;
  const ids = tf.tensor4d(
    Float32Array.from({ length: h * w }, (_, i) => i),
    [1, h, w, 1],
  );
  const resized = tf.image.resizeNearestNeighbor(ids, c.out, c.alignCorners, c.halfPixelCenters);
  const src = resized.dataSync();
  tf.dispose([ids, resized]);
  const dx = new Float32Array(nb * h * w * ch);
  for (let n = 0; n < nb; n++)
    for (let p = 0; p < oh * ow; p++)
      for (let k = 0; k < ch; k++) dx[(n * h * w + src[p]!) * ch + k]! += dy[(n * oh * ow + p) * ch + k]!;
  return dx;
}

if (loadAddon().addon?.resizeNearestGrad == null) {
  describe("native ResizeNearestNeighborGrad", () => {
    it("is not registered without an addon that has it", async () => {
      await tf.setBackend("wasm");
      registerNativeKernels(2);
      expect(isNativeRegistered(tf.ResizeNearestNeighborGrad)).toBe(false);
    });
  });
} else {
  describe("native ResizeNearestNeighborGrad equals a brute-force scatter-add", () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const [nb, , , ch] = c.image;
        const dyValues = seededValues(nb * c.out[0] * c.out[1] * ch, 7);
        const want = await oracle(c, dyValues);
        await tf.setBackend("wasm");
        registerNativeKernels(2);
        expect(isNativeRegistered(tf.ResizeNearestNeighborGrad)).toBe(true);
        const got = tf.tidy(() => {
          const images = tf.zeros(c.image);
          const dy = tf.tensor4d(dyValues, [nb, c.out[0], c.out[1], ch]);
          const dx = tf.engine().runKernel(tf.ResizeNearestNeighborGrad, { images, dy }, {
            alignCorners: c.alignCorners,
            halfPixelCenters: c.halfPixelCenters,
          } as never) as tf.Tensor;
          expect(dx.shape).toEqual(c.image);
          return dx.dataSync() as Float32Array;
        });
        // same additions in the same order as the oracle's loop: the same bits
        expect(Array.from(got)).toEqual(Array.from(want));
      });
    }

    it("gives the same bits on 1 and 2 threads, and leaves no tensors behind", async () => {
      await tf.setBackend("wasm");
      const run = (threads: number) => {
        registerNativeKernels(threads);
        return tf.tidy(() => {
          const x = tf.tensor4d(seededValues(2 * 16 * 16 * 64, 3), [2, 16, 16, 64]);
          const r = tf.tensor4d(seededValues(2 * 32 * 32 * 64, 4), [2, 32, 32, 64]);
          const g = tf.grad((a: tf.Tensor) =>
            tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [32, 32]), r)),
          );
          return Array.from(g(x).dataSync());
        });
      };
      const before = tf.memory().numTensors;
      expect(run(2)).toEqual(run(1));
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
