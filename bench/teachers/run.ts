/**
 * bench/teachers: COCO mAP of the two pretrained teachers (centernet-mbv3, nanodet-g) on all 128 images of
 * coco128 val2017 ($KDET_DATA/datasets/coco128), scored with @kdet/eval (pycocotools-exact).
 *
 *   pnpm exec tsx bench/teachers/run.ts [--limit N] [--only centernet-mbv3,nanodet-g] [--resize stretch,letterbox] [--write]
 *
 * Backend: @kdet/core's initBackend (wasm by default; env KDET_BACKEND overrides). --write writes RESULTS.md here.
 */
import { register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { main } = await import("./evaluate");
await main(process.argv.slice(2));
