import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkLossAndGrads, expectTrainable, param } from "../testing/feature-golden";
import { createMgd } from "./mgd";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, goldenArray, loadGoldens, toTensor } from "../testing/golden";

beforeAll(useCpuBackend);

const files = loadGoldens("mgd");

describe("mgd goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const rand = featureNhwc(file.inputs.rand_mat, "rand_mat");
      const lambdaMgd = param(file, "lambda_mgd");
      const loss = createMgd({
        alphaMgd: param(file, "alpha_mgd"),
        lambdaMgd,
        maskOnChannel: param<boolean>(file, "mask_on_channel"),
        studentChannels: param(file, "student_channels"),
        teacherChannels: param(file, "teacher_channels"),
      });
      const W = (k: string) => toTensor(file.weights[k], k);
      if (loss.align) loss.align.loadTorch(W("align.weight"), W("align.bias"));
      loss.generation.loadTorch(
        W("generation.0.weight"),
        W("generation.0.bias"),
        W("generation.2.weight"),
        W("generation.2.bias"),
      );
      checkLossAndGrads(file, loss, [s], [t], { rand });
      const inter = file.expected.intermediates_f64 as Record<string, unknown> | undefined;
      if (inter?.mask) {
        const mask = Array.from(rand.dataSync()).map((u) => (u > 1 - lambdaMgd ? 0 : 1));
        const ref = goldenArray(inter.mask, "mask");
        const refNhwc = featureNhwc(inter.mask, "mask").dataSync();
        expect(ref.data.length).toBe(mask.length);
        expect(mask).toEqual(Array.from(refNhwc));
      }
      loss.dispose();
      tf.dispose([s, t, rand]);
    });
  }
});

describe("mgd", () => {
  const s = tf.randomNormal([2, 4, 5, 3], 0, 1, "float32", 1);
  const t = tf.randomNormal([2, 4, 5, 6], 0, 1, "float32", 2);

  it("adapters train with one SGD step", () => {
    const loss = createMgd({ studentChannels: 3, teacherChannels: 6, alphaMgd: 1 });
    expect(loss.variables).toHaveLength(6);
    expectTrainable(loss, s, t);
    loss.dispose();
  });

  it("draws a fresh seeded mask per call; λ = 0 masks nothing, λ = 1 masks everything", () => {
    const a = createMgd({ studentChannels: 3, teacherChannels: 6, seed: 4 });
    const b = createMgd({ studentChannels: 3, teacherChannels: 6, seed: 4 });
    const v1 = a.compute(s, t).total.dataSync()[0];
    expect(b.compute(s, t).total.dataSync()[0]).toBe(v1);
    expect(a.compute(s, t).total.dataSync()[0]).not.toBe(v1);
    const all = createMgd({ teacherChannels: 6, lambdaMgd: 1 });
    const zeroIn = createMgd({ teacherChannels: 6, lambdaMgd: 0 });
    zeroIn.generation.conv1.loadTorch(
      tf.transpose(all.generation.conv1.weight, [3, 2, 0, 1]),
      all.generation.conv1.bias!,
    );
    zeroIn.generation.conv2.loadTorch(
      tf.transpose(all.generation.conv2.weight, [3, 2, 0, 1]),
      all.generation.conv2.bias!,
    );
    expect(all.compute(t, t).total.dataSync()[0]).toBeCloseTo(
      zeroIn.compute(tf.zerosLike(t), t).total.dataSync()[0]!,
      8,
    );
    [a, b, all, zeroIn].forEach((l) => l.dispose());
  });

  it("ctx.rng supplies the draw (all ≤ 1 − λ: nothing masked)", () => {
    const loss = createMgd({ teacherChannels: 6 });
    const a = loss.compute(t, t, { rng: () => 0 }).total.dataSync()[0];
    expect(a).toBeCloseTo(loss.compute(t, t, { rand: tf.zeros([2, 4, 5, 1]) }).total.dataSync()[0]!, 8);
    loss.dispose();
  });

  it("channel mask uses [N,1,1,C] draws and validates ctx.rand", () => {
    const loss = createMgd({ teacherChannels: 6, maskOnChannel: true });
    expect(Number.isFinite(loss.compute(t, t, { rand: tf.ones([2, 1, 1, 6]) }).total.dataSync()[0])).toBe(
      true,
    );
    expect(() => loss.compute(t, t, { rand: tf.ones([2, 4, 5, 1]) })).toThrow(/ctx.rand/);
    loss.dispose();
  });
});
