import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createDetector, type DetectorId } from "../registry";
import { useTestBackend } from "../testing/backend";

beforeAll(useTestBackend);

/**
 * Parameter counts at 80 classes of the mmdet configs (retinanet_r{50,101}_fpn_1x_coco, gfl_r{50,101}_fpn,
 * fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou with its `conv_bias=True` GN towers), computed by
 * building their modules in PyTorch (torchvision-layout ResNet, FPN with the configs' extra convs, heads with their
 * towers, output convs and the FCOS/GFL per-level `Scale`s) and summing `numel()` over every parameter. mmdet's
 * `get_flops.py` counts only trainable parameters, i.e. without the frozen stem and first stage (frozen_stages=1:
 * 225,344), which is the 37.74 M it prints for RetinaNet R-50.
 */
const REFERENCE: Partial<Record<DetectorId, number>> = {
  "retina-r50": 37_968_692,
  "retina-r101": 56_960_820,
  "fcos-r50": 32_297_370,
  "fcos-r101": 51_289_498,
  "gfl-r50": 32_440_537,
  "gfl-r101": 51_432_665,
};
const FROZEN_STEM_AND_STAGE1 = 225_344;

describe("ResNet FPN detectors", () => {
  it("match the mmdet parameter counts at 80 classes (R-50 and the R-101 teachers)", () => {
    const before = tf.memory().numTensors;
    for (const [id, n] of Object.entries(REFERENCE)) {
      const det = createDetector(id as DetectorId);
      expect(
        det.trainableVariables().reduce((a, v) => a + v.size, 0),
        id,
      ).toBe(n);
      const modules = det.modules();
      const frozen = ["backbone.stem", "backbone.c2"]
        .flatMap((p) => modules.get(p)?.trainableVariables() ?? [])
        .reduce((a, v) => a + v.size, 0);
      expect(frozen, id).toBe(FROZEN_STEM_AND_STAGE1);
      det.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);
});
