/**
 * bench/yolov5: training step (forward + loss + gradients, batch 2) and inference (forward + decode, batch 1, inference
 * mode) of YOLOv5-n/s against YOLOv8-n, interleaved round-robin in one process, medians of the rounds.
 *
 *   pnpm exec tsx bench/yolov5/run.ts [--train-size 256] [--size 320] [--rounds 7] [--only yolov8-n,yolov5-n]
 *
 * Backend: @kdet/core's initBackend (wasm by default; env KDET_BACKEND overrides).
 */
import { register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { main } = await import("./measure");
await main(process.argv.slice(2));
