/**
 * bench/teacher-cache: distillation step time with the live teacher vs from the offline teacher cache, cache build
 * time and disk use (float16 vs float32), and float16's error on the real maps. Student yolov8-n, real coco128 val
 * images via @kdet/data (un-augmented, letterboxed), teachers: a kdet yolov8-s (trained weights with
 * --teacher-weights, else a fresh 80-class one — step time does not depend on weight values) and the pretrained
 * CenterNet (`loadTeacher("centernet-mbv3")`).
 *
 *   pnpm exec tsx bench/teacher-cache/run.ts [--images 16] [--size 320] [--batch 4] [--epochs 2] [--warmup 2]
 *                                            [--teacher-weights runs/teacher/weights] [--only yolov8-s,centernet-mbv3]
 *
 * Step time = the trainer's logged `ms` (teacher maps prepared + forward/backward/update), median over the steps
 * after `warmup`. Backend: @kdet/core's initBackend (wasm + kdet kernels; env KDET_BACKEND overrides).
 */
import { register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { main } = await import("./bench");
await main(process.argv.slice(2));
