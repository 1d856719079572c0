import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createDefeat } from "./defeat";
import {
  checkLossAndGrads,
  expectArrayClose,
  expectTrainable,
  goldenBoxes,
  levelInputs,
  param,
} from "../testing/feature-golden";
import { defeatGtMasks, defeatLevels } from "../masks/index";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, goldenArray, loadGoldens, toTensor } from "../testing/golden";

beforeAll(useCpuBackend);

const files = loadGoldens("defeat");

describe("defeat goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const ss = levelInputs(file, "neck_feat_S").map((v, i) => featureNhwc(v, `neck_feat_S_${i}`));
      const ts = levelInputs(file, "neck_feat_T").map((v, i) => featureNhwc(v, `neck_feat_T_${i}`));
      const strides = param<number[]>(file, "featmap_strides");
      const loss = createDefeat({
        fgWeight: param(file, "hint_neck_w"),
        bgWeight: param(file, "hint_neck_back_w"),
        teacherChannels: ts[0]!.shape[3]!,
        strides,
      });
      loss.adapters.forEach((a, l) =>
        a.loadTorch(
          toTensor(file.weights[`neck_adapt.${l}.weight`]),
          toTensor(file.weights[`neck_adapt.${l}.bias`]),
        ),
      );
      const boxes = goldenBoxes(file.inputs.gt_bboxes);
      const names: Record<string, string> = { losskd_neck: "fg", losskd_neck_back: "bg" };
      checkLossAndGrads(file, loss, ss, ts, { boxes }, (k, p) => p[names[k] ?? k]);
      const inter = file.expected.intermediates_f64 as Record<string, unknown>;
      const sizes = ts.map((t) => [t.shape[1]!, t.shape[2]!] as [number, number]);
      const masks = boxes.map((b) => defeatGtMasks(b, sizes, strides));
      sizes.forEach((_, l) =>
        expectArrayClose(
          masks.flatMap((m) => Array.from(m[l]!)),
          inter[`mask_level_${l}`],
          0,
          `mask_level_${l}`,
        ),
      );
      if (inter.target_levels) {
        const lv = boxes.flatMap((b) => Array.from(defeatLevels(b, sizes.length)));
        expect(lv).toEqual(goldenArray(inter.target_levels, "target_levels").data);
      }
      loss.dispose();
      tf.dispose([...ss, ...ts]);
    });
  }
});

describe("defeat", () => {
  it("adapt convs train with one SGD step; fewer levels than configured is allowed", () => {
    const loss = createDefeat({ teacherChannels: 3, strides: [8, 16, 32] });
    const s = [
      tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 1),
      tf.randomNormal([1, 4, 4, 3], 0, 1, "float32", 2),
    ];
    const t = [
      tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 3),
      tf.randomNormal([1, 4, 4, 3], 0, 1, "float32", 4),
    ];
    const ctx = { boxes: [Float32Array.from([4, 4, 40, 30])] };
    expect(loss.variables).toHaveLength(6);
    const before = loss.adapters[2]!.weight.dataSync().slice();
    const used = createDefeat({ teacherChannels: 3, strides: [8, 16] });
    used.adapters.forEach((a) => a.weight.assign(tf.randomNormal(a.weight.shape, 0, 0.1, "float32", 5)));
    expectTrainable(used, s, t, ctx);
    expect(Number.isFinite(loss.compute(s, t, ctx).total.dataSync()[0])).toBe(true);
    expect(Array.from(loss.adapters[2]!.weight.dataSync())).toEqual(Array.from(before));
    expect(() => loss.compute([...s, ...s], [...t, ...t], ctx)).toThrow(/defeat/);
    loss.dispose();
    used.dispose();
  });
});
