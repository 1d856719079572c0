/** Measurement of bench/matmul (see run.ts). */
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { loadAverage as load, median } from "../stats";
import { initBackend } from "../../packages/core/src/index";

const req = createRequire(new URL("../../packages/core/package.json", import.meta.url));
type TF = typeof import("../../packages/core/node_modules/@tensorflow/tfjs-core");
const tf = req("@tensorflow/tfjs-core") as TF;
type KernelConfig = import("../../packages/core/node_modules/@tensorflow/tfjs-core").KernelConfig;

/** [label, outer dims, m, k, n, transposeA, transposeB] */
type Case = [string, number[], number, number, number, boolean, boolean];
const CASES: Case[] = [
  ["fc1 forward (1024 RoIs)", [], 1024, 12544, 1024, false, false],
  ["fc1 dW = xᵀ·dy", [], 12544, 1024, 1024, true, false],
  ["fc1 dx = dy·Wᵀ", [], 1024, 1024, 12544, false, true],
  ["fc2 dW", [], 1024, 1024, 1024, true, false],
  ["square 128, Aᵀ (below threshold)", [], 128, 128, 128, true, false],
  ["square 256, Bᵀ", [], 256, 256, 256, false, true],
  ["batched 4 × 256", [4], 256, 256, 256, false, false],
  ["batched 8 × 64 (below threshold)", [8], 64, 64, 64, true, false],
];

/** Runs the benchmark and prints a markdown table. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: "string", default: "5" } } });
  const rounds = Number(values.rounds);
  const info = await initBackend({ backend: "wasm" });
  // Where @kdet/native's addon loads, its oneDNN kernel is registered over kdet's wasm one (which it wraps).
  const registered = tf.getKernel(tf.BatchMatMul, "wasm")!;
  type KernelFunc = KernelConfig["kernelFunc"];
  const wrapped = (registered.kernelFunc as unknown as Record<symbol, KernelFunc | undefined>)[
    Symbol.for("kdet.kernel.wraps")
  ];
  const native = wrapped != null ? registered : null;
  const kdet = wrapped != null ? { ...registered, kernelFunc: wrapped } : registered;
  // The builtin, as tfjs-backend-wasm registers it (its setup binds the wasm export).
  const wasmDir = req
    .resolve("@tensorflow/tfjs-backend-wasm")
    .replace(/dist\/.*$/, "dist/kernels/BatchMatMul.js");
  const { batchMatMulConfig } = (await import(wasmDir)) as { batchMatMulConfig: KernelConfig };
  batchMatMulConfig.setupFunc?.(tf.backend());
  const use = (k: KernelConfig) => {
    tf.unregisterKernel(tf.BatchMatMul, "wasm");
    tf.registerKernel(k);
  };
  const loadBefore = load();
  const rows: string[] = [];
  for (const [label, outer, m, k, n, ta, tb] of CASES) {
    const a = tf.randomNormal([...outer, ta ? k : m, ta ? m : k]);
    const b = tf.randomNormal([...outer, tb ? n : k, tb ? k : n]);
    const time = (cfg: KernelConfig) => {
      use(cfg);
      const t = performance.now();
      const y = tf.matMul(a, b, ta, tb);
      y.dataSync();
      const ms = performance.now() - t;
      y.dispose();
      return ms;
    };
    const kernels = [batchMatMulConfig, kdet, ...(native ? [native] : [])];
    for (const k of kernels) time(k);
    const ms: number[][] = kernels.map(() => []);
    for (let r = 0; r < rounds; r++) kernels.forEach((k, i) => ms[i]!.push(time(k)));
    use(registered);
    tf.dispose([a, b]);
    const flops = (2 * m * k * n * (outer[0] ?? 1)) / 1e6;
    const med = ms.map(median);
    const cells = med.map((t) => `${t.toFixed(1)} | ${(flops / t).toFixed(2)}`);
    const ratios = med.slice(1).map((t) => (med[0]! / t).toFixed(1));
    rows.push(
      `| ${label} | ${outer.length ? `${outer[0]}×` : ""}${m}×${k}×${n} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`,
    );
  }
  console.log(
    `${info.message}\nload average before ${loadBefore}, after ${load()}; ${rounds} interleaved rounds after 1 warm-up\n`,
  );
  const nativeCols = native ? " oneDNN ms | GFLOP/s |" : "";
  const nativeRatio = native ? " oneDNN × builtin |" : "";
  console.log(
    `| product | m×k×n | builtin ms | GFLOP/s | kdet ms | GFLOP/s |${nativeCols} kdet × builtin |${nativeRatio}`,
  );
  console.log(
    `| --- | --- | ---: | ---: | ---: | ---: |${native ? " ---: | ---: |" : ""} ---: |${native ? " ---: |" : ""}`,
  );
  for (const r of rows) console.log(r);
}
