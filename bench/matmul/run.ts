/**
 * bench/matmul: tfjs-wasm's builtin BatchMatMul against kdet's kernel (packages/core/src/backend/batch-mat-mul.ts) and,
 * where @kdet/native's addon loads, its oneDNN sgemm kernel, on the products of training: the three matMuls of a fully
 * connected layer (forward, and its two transposed gradients) at Faster R-CNN's box-head sizes, square products around
 * the kernel's size threshold, and batched ones. All run in one process, interleaved, on the same inputs; medians of
 * the rounds.
 *
 *   pnpm exec tsx bench/matmul/run.ts [--rounds 5]
 */
import { register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { main } = await import("./measure");
await main(process.argv.slice(2));
