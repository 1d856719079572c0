/** Microbenchmarks of building blocks on wasm (1 thread), min of repeats: `pnpm exec tsx bench/train-step/micro.ts`. */
import { register } from "node:module";
register("./esm-hook.mjs", import.meta.url);
const { tf, registerGradients } = await import("./tf");
const { initBackend } = await import("../../packages/core/src/backend/index");
await registerGradients();
await initBackend({ backend: "wasm", threads: Number(process.env.T ?? 1), quiet: true });

function time(name: string, f: () => unknown, reps = 7): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.tidy(() => {
      const r = f();
      if (r instanceof tf.Tensor) r.dataSync();
    });
    best = Math.min(best, performance.now() - t0);
  }
  console.log(`${name.padEnd(60)} ${best.toFixed(2)} ms`);
  return best;
}
const x = tf.randomNormal([8, 128, 128, 16]);
const y = tf.randomNormal([8, 64, 64, 64]);
time("mean [8,128,128,16] axes 012", () => tf.mean(x, [0, 1, 2]));
time("sum [8,64,64,64] axes 012", () => tf.sum(y, [0, 1, 2]));
time("sum reshape [M,C] axis 0", () => tf.sum(tf.reshape(y, [-1, 64]), 0));
time("matMul ones[1,M] @ y[M,C]", () => tf.matMul(tf.ones([1, 8 * 64 * 64]), tf.reshape(y, [-1, 64])));
time("JS loop sum y per channel", () => {
  const v = y.dataSync();
  const acc = new Float64Array(64);
  for (let i = 0; i < v.length; i += 64) for (let c = 0; c < 64; c++) acc[c]! += v[i + c]!;
  return tf.tensor1d(Float32Array.from(acc));
});
time("mul y*y", () => tf.mul(y, y));
time("mul y*[C]", () => tf.mul(y, tf.ones([64])));
time("split y 2 along C", () => tf.split(y, 2, 3)[0]);
time("slice y first half C", () => tf.slice(y, [0, 0, 0, 0], [8, 64, 64, 32]));
time("concat 2 halves along C", () => tf.concat([tf.slice(y, [0, 0, 0, 0], [8, 64, 64, 32]), tf.slice(y, [0, 0, 0, 32], [8, 64, 64, 32])], 3));
time("transpose y [3,1,2,0]", () => tf.transpose(y, [3, 1, 2, 0]));
time("transpose y [1,2,0,3]", () => tf.transpose(y, [1, 2, 0, 3]));
time("transpose 2D [M,C]", () => tf.transpose(tf.reshape(y, [-1, 64])));
time("sigmoid y", () => tf.sigmoid(y));
time("conv2d y 3x3 64->64", () => tf.conv2d(y as any, tf.randomNormal([3, 3, 64, 64]) as any, 1, "same"));
const dy = tf.randomNormal([8, 64, 64, 64]);
const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 64, 64] };
time("Conv2DBackpropFilter 3x3 64->64 (current)", () => tf.engine().runKernel("Conv2DBackpropFilter", { x: y, dy }, attrs) as any);
time("Conv2DBackpropFilter 1x1 64->64 (current)", () => tf.engine().runKernel("Conv2DBackpropFilter", { x: y, dy }, { ...attrs, filterShape: [1, 1, 64, 64] }) as any);
time("matMul [64,M]@[M,64]", () => tf.matMul(tf.reshape(tf.transpose(y, [3, 0, 1, 2]), [64, -1]), tf.reshape(dy, [-1, 64])));
time("matMul only (pre-transposed) [64,M]@[M,64]", () => tf.matMul(tf.reshape(tf.transpose(y, [3, 0, 1, 2]), [64, -1]), tf.reshape(dy, [-1, 64])), 1);
const yt = tf.reshape(tf.transpose(y, [3, 0, 1, 2]), [64, -1]);
const dy2 = tf.reshape(dy, [-1, 64]);
time("matMul pretransposed A, reused tensors", () => tf.matMul(yt, dy2));
time("matMul transposeA", () => tf.matMul(tf.reshape(y, [-1, 64]), dy2, true, false));
time("Conv2DBackpropInput 3x3 64->64", () => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: tf.randomNormal([3, 3, 64, 64]) }, { strides: 1, pad: "same", dataFormat: "NHWC", inputShape: [8, 64, 64, 64] }) as any);
