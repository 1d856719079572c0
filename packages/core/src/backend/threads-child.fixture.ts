/**
 * Child process for threads.test.ts: initializes wasm with KDET_THREADS threads, runs the kdet
 * conv backprop kernels and prints `threads=<n> checksum=<sha256 prefix of the float32 results>`;
 * it must then exit on its own (the pthread workers are unref'd).
 */
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./init-backend";
import { seededTensor } from "./test-support";

const info = await initBackend({ backend: "wasm", quiet: true });
const outs = tf.tidy(() => {
  const x = seededTensor([4, 32, 32, 16], 1);
  const w = seededTensor([3, 3, 16, 32], 2);
  const dy = seededTensor([4, 16, 16, 32], 3);
  const attrs = { strides: 2, pad: "same", dataFormat: "NHWC" };
  return [
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"),
    tf
      .engine()
      .runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor,
    tf
      .engine()
      .runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
  ];
});
const hash = createHash("sha256");
for (const t of outs) hash.update(Buffer.from((t.dataSync() as Float32Array).buffer));
console.log(`threads=${info.threads} checksum=${hash.digest("hex").slice(0, 16)}`);
