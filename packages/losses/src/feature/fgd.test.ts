import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkLossAndGrads,
  expectArrayClose,
  expectTrainable,
  goldenBoxes,
  param,
} from "../testing/feature-golden";
import { createFgd } from "./fgd";
import { fgdMasks } from "../masks/index";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, type GoldenFile, loadGoldens, toTensor } from "../testing/golden";

beforeAll(useCpuBackend);

const files = loadGoldens("fgd");

/** PyTorch weights of one side (`_s` / `_t` suffix stripped), as tensors. */
function gcWeights(file: GoldenFile, side: "s" | "t"): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(file.weights)) {
    const m = /^(conv_mask|channel_add_conv)_([st])(\..+)$/.exec(k);
    if (m && m[2] === side) out[`${m[1]}${m[3]}`] = toTensor(v, k);
  }
  return out;
}

describe("fgd goldens", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const cfg = {
        temp: param(file, "temp"),
        alphaFgd: param(file, "alpha_fgd"),
        betaFgd: param(file, "beta_fgd"),
        gammaFgd: param(file, "gamma_fgd"),
        lambdaFgd: param(file, "lambda_fgd"),
        studentChannels: param(file, "student_channels"),
        teacherChannels: param(file, "teacher_channels"),
      };
      const loss = createFgd(cfg);
      if (loss.align)
        loss.align.loadTorch(toTensor(file.weights["align.weight"]), toTensor(file.weights["align.bias"]));
      loss.gcStudent.loadTorch(gcWeights(file, "s"));
      loss.gcTeacher.loadTorch(gcWeights(file, "t"));
      const boxes = goldenBoxes(file.inputs.gt_bboxes);
      const imgShapes = param<[number, number][]>(file, "img_shapes");
      const scale: Record<string, [string, number]> = {
        fg_loss: ["fg", cfg.alphaFgd],
        bg_loss: ["bg", cfg.betaFgd],
        mask_loss: ["mask", cfg.gammaFgd],
        rela_loss: ["rela", cfg.lambdaFgd],
      };
      checkLossAndGrads(file, loss, [s], [t], { boxes, imgShapes }, (k, p) => {
        const [name, wgt] = scale[k] ?? [k, 1];
        return p[name] === undefined ? undefined : p[name]! / wgt;
      });
      const [, h, w] = t.shape as number[];
      const masks = boxes.map((b, i) => fgdMasks(b, h!, w!, imgShapes[i]!));
      const inter = file.expected.intermediates_f64 as Record<string, unknown>;
      expectArrayClose(
        masks.flatMap((m) => Array.from(m.fg)),
        inter.Mask_fg,
        1e-7,
        "Mask_fg",
      );
      expectArrayClose(
        masks.flatMap((m) => Array.from(m.bg)),
        inter.Mask_bg,
        1e-7,
        "Mask_bg",
      );
      loss.dispose();
      tf.dispose([s, t]);
    });
  }
});

describe("fgd", () => {
  const s = tf.randomNormal([2, 4, 5, 6], 0, 1, "float32", 1);
  const t = tf.randomNormal([2, 4, 5, 8], 0, 1, "float32", 2);
  const ctx = {
    boxes: [Float32Array.from([2, 2, 20, 12]), new Float32Array(0)],
    imageSize: [32, 40] as [number, number],
  };

  it("adapters (align + both GcBlocks) train with one SGD step", () => {
    const loss = createFgd({
      studentChannels: 6,
      teacherChannels: 8,
      alphaFgd: 1,
      betaFgd: 1,
      gammaFgd: 1,
      lambdaFgd: 1,
    });
    expect(loss.variables.length).toBe(2 + 8 + 8);
    // the reference zero-initialises the last GcBlock conv, which blocks the other GcBlock
    // gradients at step 0; give it non-zero weights so every variable must move
    for (const gc of [loss.gcStudent, loss.gcTeacher])
      gc.add2.weight.assign(tf.randomNormal(gc.add2.weight.shape, 0, 0.5, "float32", 7));
    expectTrainable(loss, s, t, ctx);
    loss.dispose();
  });

  it("with the zero-initialised last GcBlock conv, rela is the plain Σ/N MSE", () => {
    const loss = createFgd({ teacherChannels: 8, lambdaFgd: 1 });
    const rela = loss.compute(t, tf.reverse(t, 3), ctx).parts.rela!.dataSync()[0]!;
    expect(rela).toBeCloseTo(tf.sum(tf.squaredDifference(t, tf.reverse(t, 3))).dataSync()[0]! / 2, 2);
    loss.dispose();
  });

  it("needs boxes and an image size", () => {
    const loss = createFgd({ teacherChannels: 8 });
    expect(() => loss.compute(t, t, { boxes: ctx.boxes })).toThrow(/imageSize/);
    expect(() => loss.compute(t, t, {})).toThrow(/boxes/);
    loss.dispose();
  });
});
