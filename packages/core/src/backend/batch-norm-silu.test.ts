import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { batchNormSilu } from "./batch-norm-silu";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seededTensor } from "./test-support";

/** The same block composed from tf ops and differentiated by tfjs (the independent expectation). */
function composed(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const z = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3))), gamma), beta);
  return tf.mul(z, tf.sigmoid(z)) as tf.Tensor4D;
}

function grads(fused: boolean): tf.Tensor[] {
  const x = seededTensor([3, 6, 5, 4], 61).mul(3).add(0.5) as tf.Tensor4D;
  const gamma = seededTensor([4], 62).add(1.2);
  const beta = seededTensor([4], 63);
  const r = seededTensor([3, 6, 5, 4], 64);
  const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(
      tf.mul(
        fused
          ? batchNormSilu(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D)
          : composed(a as tf.Tensor4D, g, b),
        r,
      ),
    );
  return [f(x, gamma, beta), ...tf.grads(f)([x, gamma, beta])];
}

describe("batchNormSilu", () => {
  for (const backend of ["cpu", "wasm"] as const) {
    it(`value and gradients equal tfjs autodiff of the composed ops (${backend})`, async () => {
      const [ref, fused] = [await runOn("cpu", () => grads(false)), await runOn(backend, () => grads(true))];
      ["value", "dx", "dgamma", "dbeta"].forEach((name, i) =>
        expect(relativeError(fused[i]!, ref[i]!), name).toBeLessThan(1e-4),
      );
    });
  }

  it("leaves no tensors behind", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => grads(true)));
    expect(tf.memory().numTensors).toBe(before);
  });
});
