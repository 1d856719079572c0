import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { subWeights } from "../adapters/fbkd-connectors";
import { createFbkd } from "./fbkd";
import { checkLossAndGrads, expectTrainable, param } from "../testing/feature-golden";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, loadGoldens, toTensor } from "../testing/golden";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const files = loadGoldens("fbkd");

describe("fbkd goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      expect(param<string>(file, "bn_mode")).toBe("train");
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const loss = createFbkd({
        teacherChannels: param(file, "in_channels"),
        reduction: param(file, "reduction"),
        mode: param<"dot_product">(file, "mode"),
        subSample: param<boolean>(file, "sub_sample"),
        maxpoolStride: param(file, "maxpool_stride"),
        spatialT: param(file, "spatial_T"),
        channelT: param(file, "channel_T"),
        maskL2Weight: param(file, "mask_l2_weight"),
        channelWeight: param(file, "channel_weight"),
        spatialWeight: param(file, "spatial_weight"),
        nonlocalWeight: param(file, "nonloacl_weight"),
      });
      const scaled = weighted(loss, param(file, "loss_weight"));
      const w: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(file.weights)) w[k] = toTensor(v, k);
      loss.studentConnector.loadTorch(subWeights(w, "s."));
      loss.teacherNonLocal.loadTorch(subWeights(w, "t.non_local."));
      const names: Record<string, string> = {
        feat_loss: "feat",
        channel_loss: "channel",
        spatial_loss: "spatial",
        nonlocal_loss: "nonlocal",
      };
      checkLossAndGrads(file, scaled, [s], [t], undefined, (k, p) => p[names[k] ?? k]);
      loss.dispose();
      tf.dispose([s, t, ...Object.values(w)]);
    });
  }
});

describe("fbkd", () => {
  it("connectors and the teacher non-local block train with one SGD step", () => {
    const loss = weighted(createFbkd({ teacherChannels: 4 }), 100);
    for (const nl of [loss.studentConnector.nonLocal, loss.teacherNonLocal]) nl.bn.gamma.assign(tf.ones([4]));
    const s = tf.randomNormal([2, 8, 8, 4], 0, 1, "float32", 1);
    const t = tf.randomNormal([2, 8, 8, 4], 0, 1, "float32", 2);
    expectTrainable(loss, s, t);
    loss.dispose();
  });

  it("odd sizes floor in the double max-pool; maps smaller than the pool skip it", () => {
    const loss = createFbkd({ teacherChannels: 3, maxpoolStride: 4 });
    for (const [h, w] of [
      [7, 9],
      [1, 1],
      [3, 2],
    ] as const) {
      const x = tf.randomNormal([1, h, w, 3], 0, 1, "float32", h);
      expect(Number.isFinite(loss.compute(x, tf.reverse(x, 3)).total.dataSync()[0])).toBe(true);
    }
    loss.dispose();
  });
});
