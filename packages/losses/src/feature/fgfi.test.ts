import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkLossAndGrads, expectArrayClose, expectTrainable, param } from "../testing/feature-golden";
import { createFgfi } from "./fgfi";
import { fgfiMask, generateAnchors, unpadGtRows } from "../masks/index";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, goldenArray, loadGoldens, toTensor } from "../testing/golden";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const files = loadGoldens("fgfi");

describe("fgfi goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const s = featureNhwc(file.inputs.stu_feature, "stu_feature");
      const t = featureNhwc(file.inputs.sup_feature, "sup_feature");
      const anchors = goldenArray(file.inputs.anchors, "anchors").data as number[];
      const cfg = {
        psi: param(file, "thresh"),
        featStride: param(file, "feat_stride"),
        anchorBaseSize: param(file, "anchor_base_size"),
        anchorRatios: param<number[]>(file, "anchor_ratios"),
        anchorScales: param<number[]>(file, "anchor_scales"),
        studentChannels: s.shape[3]!,
        teacherChannels: t.shape[3]!,
      };
      expect(Array.from(generateAnchors(cfg.anchorBaseSize, cfg.anchorRatios, cfg.anchorScales))).toEqual(
        anchors,
      );
      const loss = createFgfi({ ...cfg, baseAnchors: anchors });
      loss.adapter.loadTorch(
        toTensor(file.weights["stu_feature_adap.0.weight"]),
        toTensor(file.weights["stu_feature_adap.0.bias"]),
      );
      const gt = goldenArray(file.inputs.gt_boxes, "gt_boxes");
      const [n, k, width] = gt.shape as [number, number, number];
      const rows = gt.data as number[];
      const boxes = Array.from({ length: n }, (_, i) =>
        unpadGtRows(rows.slice(i * k * width, (i + 1) * k * width), width),
      );
      checkLossAndGrads(file, weighted(loss, param(file, "imitation_loss_weight")), [s], [t], { boxes });
      const [, h, w] = t.shape as number[];
      const masks = boxes.flatMap((b) => Array.from(fgfiMask(b, anchors, h!, w!, cfg.featStride, cfg.psi)));
      expectArrayClose(masks, (file.expected.intermediates_f64 as Record<string, unknown>).mask, 0, "mask");
      loss.dispose();
      tf.dispose([s, t]);
    });
  }
});

describe("fgfi", () => {
  it("adapter trains with one SGD step; empty masks give 0", () => {
    const loss = createFgfi({ studentChannels: 3, teacherChannels: 4 });
    loss.adapter.weight.assign(tf.randomNormal(loss.adapter.weight.shape, 0, 0.3, "float32", 1));
    const s = tf.randomNormal([1, 4, 4, 3], 0, 1, "float32", 2);
    const t = tf.randomNormal([1, 4, 4, 4], 0, 1, "float32", 3);
    expectTrainable(loss, s, t, { boxes: [Float32Array.from([8, 8, 40, 40])] });
    expect(loss.compute(s, t, { boxes: [new Float32Array(0)] }).total.dataSync()[0]).toBe(0);
    loss.dispose();
  });
});
