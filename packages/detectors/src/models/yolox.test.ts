import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { YOLOX_SCALES } from "../backbones/yolox-darknet";
import { useTestBackend } from "../testing/backend";
import { createYolox } from "./yolox";

beforeAll(useTestBackend);

describe("YOLOX models", () => {
  it("match the published parameter counts (Megvii YOLOX README, 80 classes: nano 0.91 M, tiny 5.06 M, s 9.0 M)", () => {
    const before = tf.memory().numTensors;
    for (const [scale, published, digits] of [
      ["nano", 0.91, 2],
      ["tiny", 5.06, 2],
      ["s", 9.0, 1],
    ] as const) {
      const det = createYolox(YOLOX_SCALES[scale], 80, 0);
      const n = det.trainableVariables().reduce((a, v) => a + v.size, 0);
      expect(Number((n / 1e6).toFixed(digits)), scale).toBe(published);
      det.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
