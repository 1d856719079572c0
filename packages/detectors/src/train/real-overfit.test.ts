import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { createDetector, type DetectorId } from "../registry";
import { HAVE_DATA } from "../teachers/test-helpers";
import { useTestBackend } from "../testing/backend";
import { coco128Subset } from "../testing/coco128";
import { cocoValidator } from "../testing/coco-validator";
import { configureBatchNorm } from "../nn/training-mode";
import { recomputeBnStatistics } from "../testing/precise-bn";
import { testAllModels } from "../testing/test-models";
import { Trainer } from "./trainer";

await useTestBackend();

/**
 * Real images: a model learns the first 2 coco128 val images (160 px letterboxed, 80 classes, many objects, several
 * of a few pixels) from an untrained start (AP50 ≈ 0) to COCO AP50 > 0.5 (pycocotools-exact `@kdet/eval`) within
 * `maxSteps` AdamW steps (cosine over that budget). It is checked every {@link CHECK} steps, with BN statistics
 * recomputed first (see {@link recomputeBnStatistics}), and stops at the first check that passes. Learning rates as
 * the synthetic overfit test's (train/overfit.test.ts says why RetinaNet and Faster R-CNN need lower ones); YOLOv5's
 * 0.01 is its own test's (models/yolov5.test.ts); Faster R-CNN samples 64 RoIs per image, as in the zoo.
 *
 * Faster R-CNN and FCOS learn other images: 14 of the 21 objects of the first two are under 17 px at 160 px. Faster
 * R-CNN's RPN (mmdet's rule) gives an object a positive anchor only at IoU ≥ 0.3 with its smallest anchor (32 px), and
 * FCOS's positives are locations inside a box (8 px apart on P3), so some of those objects can never be learnt:
 * faster-rcnn-r101 held at AP50 0.36 from step 80 to 400, fcos-r101 at 0.488 from step 220 to 500 (2026-12-07). Their
 * set is the first two val images whose objects are all ≥ 20 px there (5 objects: a bear, four teddy bears).
 * Measured 2026-12-07, steps to the first passing check: faster-rcnn-r50 20 (AP50 0.97), faster-rcnn-r101 20 (1.00),
 * fcos-r101 20 (0.97), yolov5-s 40 (0.63), gfl-r101 60 (0.52), retina-r101 180 (0.57). Each takes
 * minutes to tens of minutes on a 2-core CPU, so they run with `KDET_TEST_ALL_MODELS=1` (yolov5-n's real-image test
 * runs by default, in models/yolov5.test.ts).
 */
const CASES: { id: DetectorId; lr: number; maxSteps: number }[] = [
  { id: "faster-rcnn-r50", lr: 0.0002, maxSteps: 400 },
  { id: "faster-rcnn-r101", lr: 0.0002, maxSteps: 400 },
  { id: "yolov5-s", lr: 0.01, maxSteps: 200 },
  { id: "retina-r101", lr: 0.001, maxSteps: 300 },
  { id: "fcos-r101", lr: 0.002, maxSteps: 300 },
  { id: "gfl-r101", lr: 0.002, maxSteps: 300 },
];
const SIZE = 160;
const CHECK = 20;
const BN_MOMENTUM = 0.3;

describe.skipIf(!HAVE_DATA)(
  "overfit on real images (coco128; skipped without $KDET_DATA/datasets/coco128)",
  () => {
    for (const c of CASES)
      it.skipIf(!testAllModels())(
        `${c.id} learns 2 coco128 val images (${SIZE} px, 80 classes) to AP50 > 0.5 within ${c.maxSteps} steps`,
        async () => {
          const before = tf.memory().numTensors;
          const twoStage = c.id.startsWith("faster-rcnn");
          const smallObjectsUnreachable = twoStage || c.id.startsWith("fcos");
          const { dataset, loader } = await coco128Subset({
            n: 2,
            size: SIZE,
            batchSize: 2,
            minObjectSize: smallObjectsUnreachable ? 20 : 0,
          });
          const model = createDetector(c.id, {
            numClasses: 80,
            seed: 0,
            bnMomentum: BN_MOMENTUM,
            ...(twoStage ? { rcnnSamples: 64 } : {}),
          });
          const val = cocoValidator({ dataset, loader });
          const trainer = new Trainer({
            model,
            data: loader,
            val,
            config: {
              epochs: c.maxSteps,
              optimizer: { type: "adamw", lr: c.lr, weightDecay: 0 },
              schedule: { type: "cosine", lrf: 0.1, warmupSteps: 10 },
              ema: false,
              valEvery: 0,
            },
          });
          const curve: string[] = [];
          let r = { AP50: 0, mAP: 0 };
          for (let steps = CHECK; steps <= c.maxSteps && r.AP50 <= 0.5; steps += CHECK) {
            await trainer.fit({ maxSteps: steps });
            await recomputeBnStatistics(model, loader);
            configureBatchNorm(model, { momentum: BN_MOMENTUM });
            r = await trainer.validateAndKeepBest(steps - 1);
            curve.push(`${steps}: ${r.AP50.toFixed(3)}`);
          }
          console.log(`${c.id}: AP50 after steps ${curve.join(", ")} (mAP ${r.mAP.toFixed(3)})`);
          expect(r.AP50).toBeGreaterThan(0.5);
          trainer.dispose();
          model.dispose();
          expect(tf.memory().numTensors).toBe(before);
        },
        3_600_000,
      );
  },
);
