import { beforeAll, describe, expect, it } from "vitest";
import { createDetector, DETECTOR_IDS } from "../registry";
import { useTestBackend } from "../testing/backend";
import { tinySynthetic } from "../testing/synthetic";
import { Trainer } from "./trainer";

beforeAll(useTestBackend);

/**
 * End-to-end: every registered model (full registered architecture, 64×64 input) overfits two
 * synthetic images with 1–2 large objects to COCO mAP50 > 0.9 (pycocotools-exact `@kdet/eval`,
 * inference-mode BN, class-aware NMS) within 30 AdamW steps. BN momentum is raised to 0.3 so the
 * running statistics converge within the run.
 */
describe.each(DETECTOR_IDS)("overfit: %s", (id) => {
  it("reaches mAP50 > 0.9 on 2 synthetic images in 30 steps", async () => {
    const data = tinySynthetic({ n: 2, size: 64, seed: 3 });
    const model = createDetector(id, { numClasses: 8, seed: 0, bnMomentum: 0.3 });
    const trainer = new Trainer({
      model,
      data: data.train,
      val: data.val,
      config: { epochs: 30, optimizer: { type: "adamw", lr: 0.002, weightDecay: 0 }, schedule: { type: "cosine", lrf: 0.1, warmupSteps: 10 }, ema: false, valEvery: 30 },
    });
    const r = await trainer.fit();
    expect(r?.AP50).toBeGreaterThan(0.9);
    trainer.dispose();
    model.dispose();
  }, 600_000);
});
