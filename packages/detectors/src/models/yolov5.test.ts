import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { BatchNorm } from "../nn/batch-norm";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";

beforeAll(useTestBackend);

/**
 * Parameter counts of ultralytics/yolov5 v7.0 at 80 classes. Training-time (BN unfused) counts computed by building
 * `models/yolov5{n,s}.yaml` with the repository's `Conv`/`C3`/`SPPF`/`Detect` modules in PyTorch and summing
 * `numel()`; the fused counts (BN folded into a conv bias: −1 per BN channel) are the ones the YOLOv5 README and
 * `model.info()` after fusing print: yolov5n 1,867,405, yolov5s 7,225,885.
 */
const REFERENCE = {
  "yolov5-n": { trainable: 1_872_157, fused: 1_867_405 },
  "yolov5-s": { trainable: 7_235_389, fused: 7_225_885 },
} as const;

describe("YOLOv5 models", () => {
  it("match the ultralytics parameter counts at 80 classes (training and BN-fused)", () => {
    const before = tf.memory().numTensors;
    for (const [id, ref] of Object.entries(REFERENCE)) {
      const det = createDetector(id as keyof typeof REFERENCE);
      const n = det.trainableVariables().reduce((a, v) => a + v.size, 0);
      expect(n, id).toBe(ref.trainable);
      const bnChannels = [...det.modules().values()]
        .filter((m): m is BatchNorm => m instanceof BatchNorm)
        .reduce((a, m) => a + m.channels, 0);
      expect(n - bnChannels, id).toBe(ref.fused);
      det.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
