import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { countGflops, countParams, kernelMacs, modelCost } from "./model-stats";

beforeAll(useTestBackend);

describe("model cost", () => {
  it("counts conv MACs from kernel shapes (hand-computed)", () => {
    // 3x3 conv, 16 -> 32 channels, output 1x10x10x32: 3200 outputs x 144 MACs
    expect(
      kernelMacs(
        "Conv2D",
        [
          [1, 20, 20, 16],
          [3, 3, 16, 32],
        ],
        [[1, 10, 10, 32]],
      ),
    ).toBe(3200 * 144);
    // depthwise 3x3 on 8 channels, output 1x4x4x8: 128 outputs x 9 MACs
    expect(
      kernelMacs(
        "DepthwiseConv2dNative",
        [
          [1, 4, 4, 8],
          [3, 3, 8, 1],
        ],
        [[1, 4, 4, 8]],
      ),
    ).toBe(128 * 9);
    // [2,3,5] x [2,5,7] -> [2,3,7]: 42 outputs x 5 MACs
    expect(
      kernelMacs(
        "BatchMatMul",
        [
          [2, 3, 5],
          [2, 5, 7],
        ],
        [[2, 3, 7]],
      ),
    ).toBe(42 * 5);
    expect(
      kernelMacs(
        "Add",
        [
          [1, 4],
          [1, 4],
        ],
        [[1, 4]],
      ),
    ).toBe(0);
  });

  it("YOLOv8n at 640 with 80 classes: ultralytics' 3,157,200 parameters and 8.7 GFLOPs", async () => {
    const m = createDetector("yolov8-n", { numClasses: 80 });
    // ultralytics' 3,157,200 include the 16 fixed weights of the DFL projection conv (a constant in kdet)
    expect(countParams(m)).toBe(3_157_200 - 16);
    const g = await countGflops(m, 640);
    expect(g).toBeGreaterThan(8.6);
    expect(g).toBeLessThan(8.9);
    m.dispose();
  });

  it("modelCost scales GFLOPs with the input area and times inference, leaving no tensor behind", async () => {
    const before = tf.memory().numTensors;
    const m = createDetector("yolov8-n", { numClasses: 8 });
    const a = await modelCost(m, 64);
    const b = await countGflops(m, 128);
    expect(b / a.gflops).toBeCloseTo(4, 1);
    expect(a.msPerImage).toBeGreaterThan(0);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
