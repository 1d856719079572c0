/**
 * Building-block microbenchmarks on wasm (min of 9 wall times; T=<threads>, default 1):
 * `pnpm exec tsx bench/train-step/micro.ts`. What the kdet kernels are built from, and what they
 * replace: channel reductions (builtin Mean vs XNNPACK avgPool), elementwise ops (XNNPACK binary
 * ops vs plain C++ unary ones), channel concat/split, transposes.
 */
import { register } from "node:module";
register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { tf } = await import("./tf");
const { initBackend } = await import("../../packages/core/src/backend/index");
await initBackend({ backend: "wasm", threads: Number(process.env.T ?? 1), quiet: true });

/** Min wall time (ms) of `f` over 9 runs, results read back, nothing returned from the tidy. */
function time(f: () => { dataSync(): unknown }): string {
  let best = Infinity;
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    tf.tidy(() => {
      f().dataSync();
    });
    best = Math.min(best, performance.now() - t0);
  }
  return best.toFixed(2);
}

console.log(
  "| shape | Mean [0,1,2] (kdet: avgPool) | tf.mean via builtin-like transpose+sum | Mul x·x | Square | Sigmoid | Transpose [3,0,1,2] | concat 2×C | split C |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const shape of [
  [8, 128, 128, 16],
  [8, 64, 64, 32],
  [8, 32, 32, 64],
  [8, 16, 16, 128],
] as [number, number, number, number][]) {
  const x = tf.randomNormal(shape) as import("./tf").TF.Tensor4D;
  const c = shape[3];
  const cells = [
    time(() => tf.mean(x, [0, 1, 2])),
    time(() => tf.sum(tf.transpose(x, [3, 0, 1, 2]), [1, 2, 3])),
    time(() => tf.mul(x, x)),
    time(() => tf.square(x)),
    time(() => tf.sigmoid(x)),
    time(() => tf.transpose(x, [3, 0, 1, 2])),
    time(() => tf.concat([x, x], 3)),
    time(() => tf.split(x, 2, 3)[0]!),
  ];
  console.log(`| ${shape.join("×")} (C=${c}) | ${cells.join(" | ")} |`);
  x.dispose();
}
