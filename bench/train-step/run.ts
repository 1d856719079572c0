/**
 * bench/train-step: one SGD training step of the YOLOv8n-like net (net.ts) on tfjs cpu, tfjs-wasm
 * builtin, tfjs-wasm + kdet kernels (1 and 2 threads) and PyTorch (1 and 2 threads).
 *
 *   pnpm exec tsx bench/train-step/run.ts            full run (batch 8 @ 256; cpu at batch 1)
 *   pnpm exec tsx bench/train-step/run.ts --quick    a few small steps, < 1 minute (pnpm demo)
 *   flags: --steps N, --no-<id> or --only <id,…> with ids torch, torch-cl, builtin, native, fused, composed, cpu
 *
 * Each configuration runs in a child process (`--child <json>`), because the wasm thread count is
 * fixed per process.
 */
import { register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

const args = process.argv.slice(2);
if (args[0] === "--child") {
  const { runSteps } = await import("./step");
  const result = await runSteps(JSON.parse(args[1]!));
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  const { main } = await import("./orchestrate");
  await main(args);
}
