import { register } from "node:module";
register("./esm-hook.mjs", import.meta.url);
const { tf } = await import("./tf");
const { initBackend } = await import("../../packages/core/src/backend/index");
await initBackend({ backend: "wasm", threads: Number(process.env.T ?? 1), quiet: true });
const time = (f: () => any) => {
  let best = Infinity;
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    tf.tidy(() => { f().dataSync(); });
    best = Math.min(best, performance.now() - t0);
  }
  return best.toFixed(2);
};
for (const shape of [[8, 128, 128, 16], [8, 64, 64, 32], [8, 32, 32, 64], [8, 16, 16, 128]] as [number, number, number, number][]) {
  const x = tf.randomNormal(shape) as any;
  const [n, h, w, c] = shape;
  const m = n * h * w;
  console.log(shape.join("x").padEnd(14),
    "mean", time(() => tf.mean(x, [0, 1, 2])),
    "avgPool", time(() => tf.mean(tf.avgPool(x, [h, w], 1, "valid"), [0, 1, 2])),
    "matMul", time(() => tf.matMul(tf.fill([1, m], 1 / m), tf.reshape(x, [m, c]))),
    "square", time(() => tf.square(x)), "mul", time(() => tf.mul(x, x)), "neg", time(() => tf.neg(x)), "sub1", time(() => tf.sub(1, x)),
    "sigmoid", time(() => tf.sigmoid(x)), "transpose", time(() => tf.transpose(x, [3, 0, 1, 2])));
  x.dispose();
}
