/**
 * bench/roi-head: Faster R-CNN's RoI stage with the pooled maps reordered to RoI order before the box head
 * (`head(poolRois(…))`, the reference) against the head run on the level-ordered maps and its outputs reordered
 * (`headOnRois`), forward (inference: every test proposal) and forward + backward (training: the sampled RoIs).
 *   pnpm exec tsx bench/roi-head/run.ts [--rounds 5] [--size 128] [--batch 8] [--test-rois 300] [--train-rois 64]
 */
import { register } from "node:module";
register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { main } = await import("./measure");
await main(process.argv.slice(2));
