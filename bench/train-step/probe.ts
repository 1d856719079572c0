import { register } from "node:module";
register("./esm-hook.mjs", import.meta.url);
const { tf } = await import("./tf");
const { initBackend } = await import("../../packages/core/src/backend/index");
await initBackend({ backend: "wasm", threads: 1, quiet: true });
const time = (name: string, f: () => any) => {
  let best = Infinity;
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    tf.tidy(() => { f().dataSync(); });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};
for (const shape of [[8, 128, 128, 16], [8, 64, 64, 32], [8, 32, 32, 64], [8, 16, 16, 128], [8, 8, 8, 256]]) {
  const x = tf.randomNormal(shape);
  const c = shape[3]!;
  const m = x.size / c;
  const a = time("mean", () => tf.mean(x, [0, 1, 2]));
  const b = time("matMul", () => tf.matMul(tf.fill([1, m], 1 / m), tf.reshape(tf.add(x, 0), [m, c])));
  const b0 = time("add", () => tf.add(x, 0));
  const d = time("sub bcast", () => tf.sub(x, tf.ones([c])));
  const e = time("mul same", () => tf.mul(x, x));
  const f = time("sigmoid", () => tf.sigmoid(x));
  console.log(shape.join("x").padEnd(14), `mean ${a.toFixed(2)}  matMul ${(b - b0).toFixed(2)} (fresh-copy ${b0.toFixed(2)})  sub-bcast ${d.toFixed(2)}  mul ${e.toFixed(2)}  sigmoid ${f.toFixed(2)}`);
  x.dispose();
}
