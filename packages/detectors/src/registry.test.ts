import * as tf from "@tensorflow/tfjs-core";
import { featureInfo, Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createDetector, DETECTOR_IDS, type DETECTORS } from "./registry";
import { useTestBackend } from "./testing/backend";

beforeAll(useTestBackend);

const SIZE = 64;
const C = 4;

describe.each(DETECTOR_IDS)("detector contract: %s", (id) => {
  it("forward shapes, declared feature info equals tapped shapes, finite gradients, dispose frees every tensor", () => {
    const before = tf.memory().numTensors;
    const det = createDetector(id, { numClasses: C, seed: 3 });
    const x = new Rng(1).uniformTensor([2, SIZE, SIZE, 3]) as tf.Tensor4D;
    const info = featureInfo(det);
    for (const n of [
      "backbone.c3",
      "backbone.c4",
      "backbone.c5",
      "neck.p3",
      "neck.p4",
      "neck.p5",
      "head.cls.p3",
      "head.box.p5",
    ])
      expect(info[n], n).toBeDefined();

    const shapes = tf.tidy(() => {
      const { raw, taps } = det.forwardWithTaps(x, Object.keys(info));
      return {
        raw: { cls: raw.cls.map((t) => t.shape), box: raw.box.map((t) => t.shape) },
        taps: Object.fromEntries(Object.entries(taps).map(([k, t]) => [k, t.shape])),
      };
    });
    for (const [name, { channels, stride }] of Object.entries(info)) {
      const s = Math.ceil(SIZE / stride);
      expect(shapes.taps[name], name).toEqual([2, s, s, channels]);
    }
    const levels = det.head.levels;
    // anchor-box heads (RetinaNet) predict A = head.anchorsPerLocation sets of C logits per cell; a two-stage
    // head's RPN predicts A class-agnostic objectness logits (denseClasses 1)
    expect(det.head.denseClasses === C || det.head.denseClasses === 1).toBe(true);
    expect(shapes.raw.cls).toEqual(
      levels.map((l) => [
        2,
        Math.ceil(SIZE / l.stride),
        Math.ceil(SIZE / l.stride),
        det.head.anchorsPerLocation * det.head.denseClasses,
      ]),
    );
    const bins = info[`head.box.${levels[0]!.name}`]!.channels;
    expect(shapes.raw.box).toEqual(
      levels.map((l) => [2, Math.ceil(SIZE / l.stride), Math.ceil(SIZE / l.stride), bins]),
    );
    expect(tf.memory().numTensors).toBe(before + det.variables().length + 1);

    const targets = {
      boxes: [new Float32Array([4, 6, 40, 50, 30, 30, 60, 62]), new Float32Array(0)],
      classes: [new Int32Array([1, 3]), new Int32Array(0)],
    };
    const vars = det.trainableVariables();
    const { value, grads } = tf.variableGrads(() => det.loss(x, targets).total, vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    let nonZero = 0;
    for (const v of vars) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      expect(g!.shape).toEqual(v.shape);
      const d = g!.dataSync();
      expect(d.every(Number.isFinite), v.name).toBe(true);
      if (d.some((e) => e !== 0)) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(0.9 * vars.length);
    tf.dispose([value, ...Object.values(grads), x]);
    det.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // the ResNet-101 models (up to 60.7 M parameters) and Faster R-CNN's RoI stage take longer than the default
  }, 300_000);
});

describe("registry", () => {
  it("validates configs and names what is wrong", () => {
    expect(() => createDetector("yolov8-n", { numClasses: 0 })).toThrow(
      /createDetector\("yolov8-n"\).*numClasses/,
    );
    expect(() => createDetector("yolov8-n", { extra: 1 } as never)).toThrow(/extra/);
    expect(() => createDetector("nope" as never)).toThrow(/unknown detector "nope"; registered: yolov8-n/);
  });

  it("records the resolved spec", () => {
    const det = createDetector("yolov8-n", { numClasses: 2 });
    expect(det.spec).toEqual({ id: "yolov8-n", config: { numClasses: 2, seed: 0, regMax: 16 } });
    det.dispose();
  });

  it("matches the published parameter counts (ultralytics model summaries, 80 classes, DFL conv excluded)", () => {
    const expected: Partial<Record<keyof typeof DETECTORS, number>> = {
      "yolov8-n": 3_157_184,
      "yolov8-s": 11_166_544,
      "yolov8-m": 25_902_624,
    };
    for (const [id, n] of Object.entries(expected)) {
      const det = createDetector(id as keyof typeof DETECTORS);
      expect(
        det.trainableVariables().reduce((a, v) => a + v.size, 0),
        id,
      ).toBe(n);
      det.dispose();
    }
  });

  it("an unknown tap name fails before running, listing the valid names", () => {
    const det = createDetector("yolov8-n", { numClasses: 2 });
    const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => tf.tidy(() => det.forwardWithTaps(x, ["neck.p9"]).raw.cls[0]!)).toThrow(
      /unknown module name\(s\) "neck.p9"; valid names: .*neck\.p3/,
    );
    x.dispose();
    det.dispose();
  });
});
