import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createPgd } from "./pgd";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc } from "../testing/golden";
import {
  expectedNumber,
  expectFinite,
  expectGradClose,
  expectLossClose,
  expectNoLeak,
  goldenCases,
  goldenParams,
} from "../testing/head-golden";

const ClsParams = z.object({
  temp_s: z.number(),
  temp_c: z.number(),
  loss_weight: z.number(),
  alpha: z.number(),
  beta: z.number(),
  delta: z.number(),
});
const RegParams = z.object({ temp: z.number(), gamma: z.number(), delta: z.number() });

beforeAll(useCpuBackend);

describe("pgd cls golden vectors (pgd_cls)", () => {
  for (const file of goldenCases("pgd_cls")) {
    it(`${file.vector}: loss, fg/bg/mask, per-image variant, gradient`, () => {
      const p = goldenParams(file, ClsParams);
      const cfg = {
        branch: "cls" as const,
        tempS: p.temp_s,
        tempC: p.temp_c,
        // the reference's loss_weight multiplies α and β only (see PgdConfig)
        alpha: p.loss_weight * p.alpha,
        beta: p.loss_weight * p.beta,
        delta: p.delta,
      };
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const ctx = {
        maskFg: featureNhwc(file.inputs.mask_fg, "mask_fg"),
        maskBg: featureNhwc(file.inputs.mask_bg, "mask_bg"),
      };
      const loss = createPgd(cfg);
      const r = loss.compute(s, t, ctx);
      expectLossClose(file, r.total);
      const comp = (k: string) => expectedNumber(file, "components_f64", k);
      expectLossClose(file, r.parts.fg!, p.loss_weight * p.alpha * comp("fg_loss"), "fg");
      expectLossClose(file, r.parts.bg!, p.loss_weight * p.beta * comp("bg_loss"), "bg");
      expectLossClose(file, r.parts.mask!, p.delta * comp("mask_loss"), "mask");
      const perImage = createPgd({ ...cfg, maskMode: "per-image" }).compute(s, t, ctx).total;
      expectLossClose(
        file,
        perImage,
        expectedNumber(file, "variants_f64", "per_image_masks"),
        "per_image_masks",
      );
      expectGradClose(file, [tf.grad((x: tf.Tensor) => loss.compute(x, t, ctx).total)(s)]);
    });
  }
});

describe("pgd reg golden vectors (pgd_reg)", () => {
  for (const file of goldenCases("pgd_reg")) {
    it(`${file.vector}: loss, fea/mask, gradient`, () => {
      const p = goldenParams(file, RegParams);
      const loss = createPgd({ branch: "reg", tempC: p.temp, gamma: p.gamma, delta: p.delta });
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const ctx = { maskFg: featureNhwc(file.inputs.mask_fg, "mask_fg") };
      const r = loss.compute(s, t, ctx);
      expectLossClose(file, r.total);
      expectLossClose(
        file,
        r.parts.fea!,
        p.gamma * expectedNumber(file, "components_f64", "fea_loss"),
        "fea",
      );
      expectLossClose(
        file,
        r.parts.mask!,
        p.delta * expectedNumber(file, "components_f64", "mask_loss"),
        "mask",
      );
      expectGradClose(file, [tf.grad((x: tf.Tensor) => loss.compute(x, t, ctx).total)(s)]);
    });
  }
});

describe("pgd", () => {
  const s = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 1);
  const t = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 2);

  it("reg equals a hand-computed value on one selected position", () => {
    const w = new Float32Array(24);
    w[5] = 0.5; // image 0, h 1, w 1
    const r = createPgd({ branch: "reg", tempC: 1, gamma: 1, delta: 1 }).compute(s, t, {
      maskFg: tf.tensor(w, [2, 3, 4]),
    });
    const sv = Array.from(s.dataSync().slice(25, 30));
    const tv = Array.from(t.dataSync().slice(25, 30));
    const att = (v: number[]) => {
      const e = v.map((x) => Math.exp(Math.abs(x)));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((x) => (5 * x) / z);
    };
    const [aS, aT] = [att(sv), att(tv)];
    const fea = (sv.reduce((acc, x, c) => acc + (x - tv[c]!) ** 2 * aT[c]!, 0) / 5) * 0.5;
    const mask = aS.reduce((acc, x, c) => acc + Math.abs(x - aT[c]!), 0);
    expect(r.parts.fea!.dataSync()[0]).toBeCloseTo(fea, 5);
    expect(r.parts.mask!.dataSync()[0]).toBeCloseTo(mask, 5);
  });

  it("with one image the reference and per-image mask modes agree", () => {
    const [s1, t1] = [tf.slice(s, 0, 1), tf.slice(t, 0, 1)];
    const ctx = {
      maskFg: tf.tensor([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [1, 3, 4]),
      maskBg: tf.ones([1, 3, 4]),
    };
    const a = createPgd().compute(s1, t1, ctx).total.dataSync()[0]!;
    const b = createPgd({ maskMode: "per-image" }).compute(s1, t1, ctx).total.dataSync()[0]!;
    expect(a).toBeCloseTo(b, 6);
  });

  it("robust: zero features, empty masks (no boxes), single pixel stay finite; no leak; errors", () => {
    const cases: Array<[string, tf.Tensor, tf.Tensor]> = [
      ["all-zero", tf.zeros([2, 3, 4, 5]), tf.zeros([2, 3, 4, 5])],
      ["single pixel", tf.ones([1, 1, 1, 5]), tf.zeros([1, 1, 1, 5])],
    ];
    for (const branch of ["cls", "reg"] as const) {
      const loss = createPgd({ branch });
      for (const [name, a, b] of cases) {
        const ctx = { maskFg: tf.zeros(a.shape.slice(0, 3)), maskBg: tf.zeros(a.shape.slice(0, 3)) };
        const total = loss.compute(a, b, ctx).total;
        expectFinite(`${branch} ${name}`, total, tf.grad((x: tf.Tensor) => loss.compute(x, b, ctx).total)(a));
        if (branch === "reg") expect(total.dataSync()[0]).toBe(0);
      }
      expectNoLeak(() => loss.compute(s, t, { maskFg: tf.ones([2, 3, 4]), maskBg: tf.ones([2, 3, 4]) }));
    }
    expect(() => createPgd().compute(s, t, { maskFg: tf.ones([2, 3, 4]) })).toThrow(
      /pgd: ctx.maskBg is required/,
    );
    expect(() => createPgd().compute(s, t, { maskFg: tf.ones([2, 12]), maskBg: tf.ones([3, 4]) })).toThrow(
      /ctx.maskBg has 12 values/,
    );
  });
});
