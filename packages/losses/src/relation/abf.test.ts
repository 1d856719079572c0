import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { nearestIndices, resizeNearestTorch } from "./abf-module";
import { createAbf } from "./abf";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, toTensor } from "../testing/golden";
import {
  expectArrayClose,
  expectedArray,
  expectFinite,
  expectGradClose,
  expectLossClose,
  expectNoLeak,
  goldenCases,
  goldenParams,
  nchwData,
  tol,
} from "../testing/head-golden";

const Params = z.object({
  in_channels: z.array(z.number().int()),
  mid_channel: z.number().int(),
  out_channels: z.array(z.number().int()),
  num_levels: z.number().int(),
  levels: z.array(z.number().int()),
  bn_mode: z.literal("train"),
  bn_eps: z.number(),
});

beforeAll(useCpuBackend);

describe("abf golden vectors (reviewkd_abf)", () => {
  for (const file of goldenCases("reviewkd_abf")) {
    it(`${file.vector}: ABF outputs, loss and per-level student gradients`, () => {
      const p = goldenParams(file, Params);
      const loss = createAbf({
        studentChannels: p.in_channels,
        teacherChannels: p.out_channels,
        midChannel: p.mid_channel,
        poolSizes: p.levels,
        bnEps: p.bn_eps,
      });
      const weights = Object.fromEntries(Object.entries(file.weights).map(([k, v]) => [k, toTensor(v, k)]));
      loss.abf.loadTorch(weights);
      const idx = Array.from({ length: p.num_levels }, (_, i) => i);
      const ss = idx.map((i) => featureNhwc(file.inputs[`student_${i}`], `student_${i}`));
      const ts = idx.map((i) => featureNhwc(file.inputs[`teacher_${i}`], `teacher_${i}`));
      loss.abf.fuse(ss).forEach((o, i) => {
        const ref = expectedArray(file, "outputs_f64", `abf_out_${i}`);
        expect(o.shape).toEqual([ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]]);
        expectArrayClose(
          `${file.vector} abf_out_${i}`,
          nchwData(o),
          ref.data as number[],
          tol(file, "grad_atol_rel_to_max"),
        );
      });
      expectLossClose(file, loss.compute(ss, ts).total);
      expectGradClose(file, tf.grads((...xs: tf.Tensor[]) => loss.compute(xs, ts).total)(ss));
      loss.dispose();
    });
  }
});

describe("abf", () => {
  const make = () => createAbf({ studentChannels: [3, 4], teacherChannels: [5, 5], midChannel: 4, seed: 7 });
  const feats = () => [
    tf.randomNormal([2, 6, 6, 3], 0, 1, "float32", 1),
    tf.randomNormal([2, 3, 3, 4], 0, 1, "float32", 2),
  ];
  const teach = () => [
    tf.randomNormal([2, 6, 6, 5], 0, 1, "float32", 3),
    tf.randomNormal([2, 3, 3, 5], 0, 1, "float32", 4),
  ];

  it("nearest indices follow PyTorch (2× shift, float32 scale, clamp)", () => {
    expect(Array.from(nearestIndices(3, 6))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(nearestIndices(3, 5))).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(nearestIndices(5, 9))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4]);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(resizeNearestTorch(x, 3, 3).dataSync())).toEqual([1, 1, 2, 1, 1, 2, 3, 3, 4]);
  });

  it("one SGD step changes every ABF weight that receives a gradient", () => {
    const loss = make();
    const [s, t] = [feats(), teach()];
    const before = loss.variables.map((v) => v.dataSync().slice());
    const { value, grads } = tf.variableGrads(() => loss.compute(s, t).total, loss.variables);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    tf.train.sgd(0.1).applyGradients(grads);
    const changed = loss.variables.map((v, i) => v.dataSync().some((x, j) => x !== before[i]![j]));
    expect(changed.every(Boolean), `changed: ${changed.join(",")}`).toBe(true);
    loss.dispose();
  });

  it("robust: zero features and 1×1 deepest map stay finite; no leak; errors", () => {
    const loss = make();
    const z = [tf.zeros([2, 2, 2, 3]), tf.zeros([2, 1, 1, 4])];
    const t = [tf.ones([2, 2, 2, 5]), tf.ones([2, 1, 1, 5])];
    expectFinite(
      "zeros",
      loss.compute(z, t).total,
      ...tf.grads((...xs: tf.Tensor[]) => loss.compute(xs, t).total)(z),
    );
    expectNoLeak(() => loss.compute(feats(), teach()));
    expect(() => loss.compute([tf.zeros([2, 6, 6, 3])], teach())).toThrow(
      /abf: expected 2 student levels, got 1/,
    );
    expect(() => loss.compute([tf.zeros([2, 6, 6, 2]), tf.zeros([2, 3, 3, 4])], teach())).toThrow(
      /student level 0 has shape \[2,6,6,2\], expected NHWC with 3 channels/,
    );
    loss.dispose();
  });
});
