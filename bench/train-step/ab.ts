/** A/B of tfjs-wasm builtin kernels vs the kdet ones, interleaved rounds, min wall ms: `pnpm exec tsx bench/train-step/ab.ts`. */
import { register } from "node:module";
register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { tf, tfWasm } = await import("./tf");
type Tensor = import("./tf").TF.Tensor;
const { wasmDistDir, registerWasmTrainingKernels } = await import("../../packages/core/src/backend/index");
tfWasm.setWasmPaths(wasmDistDir());
tfWasm.setThreadsCount(1);
await tf.setBackend("wasm");
const names = ["SplitV", "Mean", "Identity"];
const builtin = names.map((n) => tf.getKernel(n, "wasm")!);
registerWasmTrainingKernels();
const ours = names.map((n) => tf.getKernel(n, "wasm")!);
const use = (set: typeof ours) =>
  set.forEach((k) => {
    tf.unregisterKernel(k.kernelName, "wasm");
    tf.registerKernel(k);
  });
const time = (f: () => Tensor) => {
  const t0 = performance.now();
  tf.tidy(() => {
    f().dataSync();
  });
  return performance.now() - t0;
};
const ops: Record<string, (x: Tensor) => Tensor> = {
  "concat C (builtin both times)": (x) => tf.concat([x, x], 3),
  "split C": (x) => tf.split(x, 2, 3)[0]!,
  "mean 012": (x) => tf.mean(x, [0, 1, 2]),
  clone: (x) => tf.clone(x),
};
console.log("| shape | op | builtin ms | kdet ms |\n|---|---|---|---|");
for (const shape of [
  [8, 128, 128, 16],
  [8, 64, 64, 32],
  [8, 32, 32, 64],
]) {
  const x = tf.randomNormal(shape);
  for (const [name, f] of Object.entries(ops)) {
    const best = [Infinity, Infinity];
    for (let round = 0; round < 7; round++) {
      [builtin, ours].forEach((set, i) => {
        use(set);
        best[i] = Math.min(
          best[i]!,
          time(() => f(x)),
        );
      });
    }
    console.log(`| ${shape.join("×")} | ${name} | ${best[0]!.toFixed(2)} | ${best[1]!.toFixed(2)} |`);
  }
  x.dispose();
}
