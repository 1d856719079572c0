import "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { featureInfo, initBackend } from "@kdet/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateExperiment } from "./config-load";
import { DEMO_METHOD_NAMES, DEMO_METHODS, type PairChannels } from "./demo-methods";
import { createDetector, type Detector, detectorTeacher } from "./detectors-api";
import { buildDistiller } from "./distiller-build";

let student: Detector;
let teacher: Detector;
let ch: PairChannels;

beforeAll(async () => {
  await initBackend({ quiet: true });
  student = createDetector("yolov8-n", { numClasses: 8, seed: 1 });
  teacher = createDetector("yolov8-s", { numClasses: 8, seed: 2 }).train(false);
  const levels = ["p3", "p4", "p5"];
  ch = {
    student: levels.map((l) => featureInfo(student)[`neck.${l}`]!.channels),
    teacher: levels.map((l) => featureInfo(teacher)[`neck.${l}`]!.channels),
  };
});
afterAll(() => [student, teacher].forEach((m) => m.dispose()));

describe("demo methods (YOLOv8-s -> YOLOv8-n)", () => {
  it("neck channels are the ones the methods are built for", () => {
    expect(ch).toEqual({ student: [64, 128, 256], teacher: [128, 256, 512] });
  });

  for (const m of DEMO_METHOD_NAMES) {
    it(`${m}: terms validate in an experiment, and give finite, non-negative parts with gradients for the student`, () => {
      const terms = DEMO_METHODS[m].terms(ch);
      const exp = validateExperiment(
        {
          data: { train: { type: "synthetic" }, imageSize: 64 },
          model: { type: "yolov8-n" },
          teacher: { type: "yolov8-s", weights: "x" },
          distill: terms,
          train: { epochs: 1, optimizer: { type: "sgd" } },
        },
        m,
      );
      const distiller = buildDistiller(exp.distill, student, detectorTeacher(teacher), 0);
      const x = tf.randomUniform([2, 64, 64, 3], 0, 1, "float32", 5) as tf.Tensor4D;
      const ctx = {
        boxes: [Float32Array.from([4, 6, 30, 40]), Float32Array.from([20, 10, 60, 50, 2, 2, 12, 14])],
        labels: [Int32Array.from([1]), Int32Array.from([2, 5])],
        imageSize: [64, 64] as [number, number],
      };
      const tFeats = tf.tidy(() => teacher.forwardWithTaps(x, distiller.requiredFeatures.teacher).taps);
      const { value, grads } = tf.variableGrads(() => {
        const s = student.forwardWithTaps(x, distiller.requiredFeatures.student).taps;
        const r = distiller.compute(s, tFeats, ctx);
        for (const [k, v] of Object.entries(r.parts)) {
          const n = v.dataSync()[0]!;
          expect(Number.isFinite(n) && n >= 0, `${k} = ${n}`).toBe(true);
        }
        return r.total;
      });
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      const norms = Object.values(grads).map((g) => tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!));
      expect(norms.some((n) => n > 0)).toBe(true);
      tf.dispose([x, value, ...Object.values(grads), ...Object.values(tFeats)]);
      distiller.dispose();
    });
  }
});
