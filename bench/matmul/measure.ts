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
  const kdet = tf.getKernel(tf.BatchMatMul, "wasm")!;
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
    time(batchMatMulConfig);
    time(kdet);
    const builtin: number[] = [];
    const ours: number[] = [];
    for (let r = 0; r < rounds; r++) {
      builtin.push(time(batchMatMulConfig));
      ours.push(time(kdet));
    }
    use(kdet);
    tf.dispose([a, b]);
    const flops = (2 * m * k * n * (outer[0] ?? 1)) / 1e6;
    const [tb0, to] = [median(builtin), median(ours)];
    rows.push(
      `| ${label} | ${outer.length ? `${outer[0]}×` : ""}${m}×${k}×${n} | ${tb0.toFixed(1)} | ${(flops / tb0).toFixed(2)} | ${to.toFixed(1)} | ${(flops / to).toFixed(2)} | ${(tb0 / to).toFixed(1)} |`,
    );
  }
  console.log(
    `${info.message}\nload average before ${loadBefore}, after ${load()}; ${rounds} interleaved rounds after 1 warm-up\n`,
  );
  console.log("| product | m×k×n | builtin ms | GFLOP/s | kdet ms | GFLOP/s | speed-up |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(r);
}
