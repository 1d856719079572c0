import * as tf from "@tensorflow/tfjs-core";
import { Distiller } from "@kdet/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { handBatch } from "../testing/synthetic";
import { batchImages, batchTargets } from "./batch-tensors";
import { leafParts, probeDistillStep } from "./distill-probe";

beforeAll(useTestBackend);

const norm = (ts: tf.Tensor[]) =>
  tf.tidy(() => Math.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t)))).dataSync()[0] as number));

describe("probeDistillStep (yolov8-n student, an MSE term of weight 3 on neck.p3 against a fixed map)", () => {
  it("matches the values and gradient norms computed by hand through the model's own forward and loss", () => {
    const model = createDetector("yolov8-n", { numClasses: 8, seed: 2 }).train(true);
    const batch = handBatch(
      64,
      [
        [8, 8, 40, 40],
        [16, 20, 60, 50, 2, 2, 20, 30],
      ],
      [[1], [3, 0]],
    );
    const teacherMaps = { "neck.p3": tf.randomNormal([2, 8, 8, 64], 0, 1, "float32", 5) };
    const distiller = Distiller.create([
      { loss: { type: "mse", normalize: false }, weight: 3, student: "neck.p3", teacher: "neck.p3" },
    ]);
    const before = tf.memory().numTensors;
    const p = probeDistillStep({ model, distiller, batch, teacherMaps });
    const half = probeDistillStep({ model, distiller, batch, teacherMaps, detectionWeight: 0.5 });
    expect(tf.memory().numTensors).toBe(before);

    const vars = namedVariables(model)
      .filter((v) => v.kind !== "buffer")
      .map((v) => v.variable);
    const x = batchImages(batch);
    const targets = batchTargets(batch);
    // mse: L = 3 · Σ(S − T)² / N (N = 2 images), ∂L/∂S = 3 · 2 (S − T) / N
    const [distill, tapGrad] = tf.tidy(() => {
      const d = tf.sub(model.forwardWithTaps(x, ["neck.p3"]).taps["neck.p3"]!, teacherMaps["neck.p3"]);
      return [(3 * tf.sum(tf.square(d)).dataSync()[0]!) / 2, norm([tf.mul(d, 3)])];
    });
    const det = tf.tidy(() => model.loss(x, targets).total.dataSync()[0]!);
    const gradNorm = (f: () => tf.Scalar) =>
      tf.tidy(() => norm(Object.values(tf.variableGrads(f, vars).grads)));
    const mse = () =>
      tf.mul(
        tf.sum(
          tf.square(tf.sub(model.forwardWithTaps(x, ["neck.p3"]).taps["neck.p3"]!, teacherMaps["neck.p3"])),
        ),
        1.5,
      ) as tf.Scalar;
    const detParams = gradNorm(() => model.loss(x, targets).total);
    const disParams = gradNorm(mse);
    const total = gradNorm(() => tf.add(model.loss(x, targets).total, mse()) as tf.Scalar);

    expect(p.leaves).toEqual(["mse"]);
    expect(p.parts.mse).toBeCloseTo(distill, 3);
    expect(p.distillation).toBeCloseTo(distill, 3);
    expect(p.detection).toBeCloseTo(det, 4);
    expect(Object.keys(p.parts).sort()).toEqual([...Object.keys(model.loss(x, targets).parts), "mse"].sort());
    expect(Object.keys(p.taps!)).toEqual(["neck.p3"]);
    expect(p.taps!["neck.p3"]!.distillation).toBeCloseTo(tapGrad, 3);
    expect(p.taps!["neck.p3"]!.parts.mse).toBeCloseTo(tapGrad, 3);
    expect(p.taps!["neck.p3"]!.detection).toBeGreaterThan(0);
    expect(p.params!.detection / detParams).toBeCloseTo(1, 4);
    expect(p.params!.distillation / disParams).toBeCloseTo(1, 4);
    expect(p.params!.total / total).toBeCloseTo(1, 4);
    expect(p.distillerVariables).toEqual({});
    // the detection weight scales the detection side only
    expect(half.detection / p.detection).toBeCloseTo(0.5, 5);
    expect(half.taps!["neck.p3"]!.detection / p.taps!["neck.p3"]!.detection).toBeCloseTo(0.5, 4);
    expect(half.distillation).toBeCloseTo(p.distillation, 4);

    tf.dispose([x, teacherMaps["neck.p3"]]);
    distiller.dispose();
    model.dispose();
  });

  it("reports the distiller's variables; refuses taps outside the neck outputs and the head", () => {
    const model = createDetector("yolov8-n", { numClasses: 8, seed: 2 }).train(true);
    const batch = handBatch(64, [[8, 8, 40, 40]], [[1]]);
    const teacherMaps = { "neck.p4": tf.randomNormal([1, 4, 4, 256], 0, 1, "float32", 6) };
    const adapted = Distiller.create([
      {
        loss: { type: "mse" },
        student: "neck.p4",
        teacher: "neck.p4",
        adapter: { inChannels: 128, outChannels: 256 },
      },
    ]);
    const p = probeDistillStep({ model, distiller: adapted, batch, teacherMaps, gradients: true });
    expect(Object.keys(p.distillerVariables!).sort()).toEqual(adapted.variables.map((v) => v.name).sort());
    for (const v of Object.values(p.distillerVariables!)) expect(v).toBeGreaterThan(0);
    const values = probeDistillStep({ model, distiller: adapted, batch, teacherMaps, gradients: false });
    expect(values.taps).toBeUndefined();
    expect(values.distillation).toBeCloseTo(p.distillation, 4);
    const backbone = Distiller.create([{ loss: { type: "mse" }, student: "backbone.stem", teacher: "x" }]);
    expect(() => probeDistillStep({ model, distiller: backbone, batch, teacherMaps })).toThrow(
      /cannot probe the taps backbone\.stem; allowed: the neck outputs \(neck\.p3, neck\.p4, neck\.p5\)/,
    );
    [adapted, backbone, model].forEach((m) => m.dispose());
    tf.dispose(teacherMaps["neck.p4"]);
  });
});

describe("leafParts", () => {
  it("keeps the sub-parts of instances that report several and the instances that report one", () => {
    expect(leafParts(["fgd/p3", "fgd/p3/fg", "fgd/p3/bg", "cwd/p3", "mse"])).toEqual([
      "fgd/p3/fg",
      "fgd/p3/bg",
      "cwd/p3",
      "mse",
    ]);
  });
});
