import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Distiller } from "./distiller/distiller";
import { LOSS_KINDS } from "./loss-entry";
import { LOSS_IDS, LossConfigSchema } from "./loss-meta";
import { createLoss, LOSSES } from "./registry";
import { useCpuBackend } from "./testing/backend";
import { familyCases, pyramidInputs, type PyramidSpec } from "./testing/family-cases";
import { expectFinite } from "./testing/head-golden";

beforeAll(useCpuBackend);

const spec: PyramidSpec = {
  batch: 2,
  imageSize: 128,
  levels: [
    { label: "p3", stride: 8, channels: 8 },
    { label: "p4", stride: 16, channels: 16 },
    { label: "p5", stride: 32, channels: 16 },
  ],
  numClasses: 3,
  regMax: 4,
};

describe("LOSSES registry", () => {
  it("keys equal each schema's type; every entry names its paper", () => {
    expect(new Set(LOSS_IDS).size).toBe(LOSS_IDS.length);
    for (const id of LOSS_IDS) {
      const entry = LOSSES[id];
      expect(entry.paper.length, id).toBeGreaterThan(10);
      const r = entry.schema.safeParse({});
      if (r.success) {
        expect((r.data as { type: string }).type).toBe(id);
        // defaults either build the loss, or the factory names the family and what is missing
        let loss: ReturnType<typeof createLoss> | undefined;
        try {
          loss = createLoss({ type: id } as never);
        } catch (e) {
          expect((e as Error).message).toMatch(new RegExp(`^${id}: .*required`));
        }
        if (loss) expect(loss.id).toBe(id);
        loss?.dispose();
      } else {
        // families whose config has required fields (channel lists) reject {} — with their own type literal
        expect(entry.schema.safeParse({ type: "not-" + id }).success).toBe(false);
      }
    }
  });

  it("the config union discriminates on type and reports the field path", () => {
    expect(LossConfigSchema.parse({ type: "kd", tau: 2 })).toEqual({
      type: "kd",
      tau: 2,
      reduction: "batchmean",
    });
    expect(() => createLoss({ type: "dkd", beta: -1 })).toThrow(/createLoss: invalid config[\s\S]*beta/);
    expect(() => createLoss({ type: "kd", temperature: 2 } as never)).toThrow(/temperature/);
  });

  it("every entry has a kind and a positive defaultWeight; no config has a second weight knob", () => {
    for (const id of LOSS_IDS) {
      expect(LOSS_KINDS, id).toContain(LOSSES[id].kind);
      expect(LOSSES[id].defaultWeight, id).toBeGreaterThan(0);
      const shape = (LOSSES[id].schema as unknown as { shape: Record<string, unknown> }).shape;
      expect(Object.keys(shape), id).not.toContain("lossWeight");
    }
    // the references' loss weights (mmrazor / LD / FGFI / AT / ultralytics configs)
    expect(
      Object.fromEntries(
        LOSS_IDS.filter((id) => LOSSES[id].defaultWeight !== 1).map((id) => [id, LOSSES[id].defaultWeight]),
      ),
    ).toEqual({ mse: 10, cwd: 10, at: 500, pkd: 6, fgfi: 0.01, ld: 0.25, "score-l2": 6 });
  });

  it("a term without weight uses the entry's defaultWeight; a term weight replaces it", () => {
    const { student, teacher, ctx } = pyramidInputs(spec);
    const term = { loss: { type: "cwd" as const }, student: "neck.p3", teacher: "neck.p3" };
    const value = (t: object) => {
      const d = Distiller.create([t as never]);
      const v = tf.tidy(() => d.compute(student, teacher, ctx).total.dataSync()[0]!);
      d.dispose();
      return v;
    };
    const unweighted = tf.tidy(
      () =>
        createLoss({ type: "cwd" }).compute(student["neck.p3"]!, teacher["neck.p3"]!).total.dataSync()[0]!,
    );
    expect(unweighted).toBeGreaterThan(0);
    expect(value(term)).toBeCloseTo(10 * unweighted, 4);
    expect(value({ ...term, weight: 2.5 })).toBeCloseTo(2.5 * unweighted, 4);
  });

  describe("every family runs through the Distiller on a small pyramid", () => {
    const cases = familyCases(spec);
    for (const id of LOSS_IDS) {
      it(`${id}: finite total, parts, student and adapter gradients; no leak`, () => {
        const { student, teacher, ctx } = pyramidInputs(spec);
        const d = Distiller.create(cases[id].terms, { seed: 1 });
        const names = d.requiredFeatures.student;
        const r = d.compute(student, teacher, ctx);
        expectFinite(`${id} total`, r.total, ...Object.values(r.parts));
        const xs = names.map((k) => student[k]!);
        const grads = tf.grads(
          (...a: tf.Tensor[]) =>
            d.compute(Object.fromEntries(names.map((k, i) => [k, a[i]!])), teacher, ctx).total,
        )(xs);
        expectFinite(`${id} student gradients`, ...grads);
        expect(
          grads.some((g) => tf.any(tf.notEqual(g, 0)).dataSync()[0]),
          `${id}: some non-zero student gradient`,
        ).toBe(true);
        if (d.variables.length > 0) {
          const { grads: vg } = tf.variableGrads(() => d.compute(student, teacher, ctx).total, d.variables);
          expectFinite(`${id} variable gradients`, ...Object.values(vg));
        }
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          d.compute(student, teacher, ctx);
        });
        expect(tf.memory().numTensors, `${id}: tensors after a tidy compute`).toBe(before);
        d.dispose();
      });
    }
  });
});
