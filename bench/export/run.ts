/**
 * bench/export: inference time of an exported TF.js graph model (`writeGraphModel` → `loadGraphExport` →
 * `GraphModel.execute(x, ["boxes", "scores"])`) against the Detector it came from (`call` + `head.decode`,
 * inference mode), batch 1, same backend, interleaved round-robin; plus export and load times.
 *
 *   pnpm exec tsx bench/export/run.ts [--size 320] [--runs 15] [--only yolov8-n,gfl-r18] [--write]
 *
 * Backend: @kdet/core's initBackend (wasm by default; env KDET_BACKEND overrides). --write writes RESULTS.md here.
 */
import { register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { main } = await import("./measure");
await main(process.argv.slice(2));
