import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { DetectionTargets } from "../heads/types";
import { namedVariables } from "../io/named-variables";
import type { Detector } from "../detector";
import { createDetector, DETECTOR_IDS, DETECTORS, type DetectorId } from "../registry";
import { useTestBackend } from "../testing/backend";

import { handBatch } from "../testing/synthetic";
import { batchImages, batchTargets } from "./batch-tensors";
import { maskedDetectionLoss, pseudoLabelTargets } from "./semi-supervised-loss";

beforeAll(async () => {
  await useTestBackend();
});

/** The first registered detector of every family (yolov8, gfl, fcos, retina, yolox, ...). */
const ONE_PER_FAMILY = [
  ...new Map(DETECTOR_IDS.map((id) => [DETECTORS[id].family, id] as const).reverse()).values(),
] as DetectorId[];

const SIZE = 64;
const labelledBoxes = [8, 10, 40, 44, 30, 6, 60, 30];

/** Flattened gradients of the masked detection loss wrt every trainable variable. */
function gradients(model: Detector, imageTwoTargets: number[], labelled: boolean[]): Float32Array {
  model.train(true);
  const batch = handBatch(
    SIZE,
    [labelledBoxes, imageTwoTargets],
    [[0, 2], imageTwoTargets.length ? [1] : []],
  );
  const x = batchImages(batch);
  const targets = batchTargets(batch);
  const { grads, value } = tf.variableGrads(
    () => maskedDetectionLoss(model.head, model.forwardWithTaps(x, []).raw, targets, labelled, 1).total,
    namedVariables(model).map((v) => v.variable),
  );
  // null: not on the loss path (BN statistics)
  const parts = Object.keys(grads)
    .sort()
    .flatMap((k) => (grads[k] ? [grads[k].dataSync() as Float32Array] : []));
  const flat = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    flat.set(p, at);
    at += p.length;
  }
  expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
  tf.dispose([x, value, ...Object.values(grads).filter((g) => g)]);
  return flat;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe("maskedDetectionLoss", () => {
  it.each(ONE_PER_FAMILY)(
    "%s: an unlabelled image's would-be targets change no detection gradient (they do when it is labelled)",
    (id) => {
      const model = createDetector(id, { numClasses: 3, seed: 4 });
      const before = tf.memory().numTensors;
      const empty: number[] = [];
      const box = [12, 20, 52, 58];
      const maskedA = gradients(model, empty, [true, false]);
      const maskedB = gradients(model, box, [true, false]);
      expect(maskedA.length).toBe(maskedB.length);
      expect(maxAbsDiff(maskedA, maskedB)).toBe(0); // bit-identical: the would-be targets are not read
      // control: the same change on a labelled image moves the gradients, so the comparison above can fail
      const openA = gradients(model, empty, [true, true]);
      const openB = gradients(model, box, [true, true]);
      expect(maxAbsDiff(openA, openB)).toBeGreaterThan(1e-6);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
    // faster-rcnn-r50: four gradients through ResNet-50 and the 12.8 M-weight box fc1 on hundreds of RoIs
    600_000,
  );

  it("equals the head's loss on the labelled images alone (normalisers included), in inference-mode BN", () => {
    const model = createDetector(ONE_PER_FAMILY[0]!, { numClasses: 3, seed: 2 });
    model.train(false);
    const batch = handBatch(SIZE, [labelledBoxes, [], [4, 4, 30, 30]], [[0, 2], [], [1]]);
    const x = batchImages(batch);
    const targets = batchTargets(batch);
    const sub: DetectionTargets = {
      boxes: [targets.boxes[0]!, targets.boxes[2]!],
      classes: [targets.classes[0]!, targets.classes[2]!],
    };
    const [masked, alone] = tf.tidy(() => {
      const m = maskedDetectionLoss(
        model.head,
        model.forwardWithTaps(x, []).raw,
        targets,
        [true, false, true],
        2,
      );
      const xs = tf.gather(x, [0, 2]);
      const a = model.head.loss(model.forwardWithTaps(xs as tf.Tensor4D, []).raw, sub);
      return [m.total.dataSync()[0]!, a.total.dataSync()[0]! * 2];
    });
    expect(masked).toBeCloseTo(alone, 4);
    x.dispose();
    model.dispose();
  });
});

describe("pseudoLabelTargets", () => {
  it("keeps the unlabelled images' detections with score ≥ threshold, boxes unchanged; labelled images get none", () => {
    const dets = [
      {
        boxes: Float32Array.from([1, 2, 3, 4]),
        scores: Float32Array.from([0.9]),
        classes: Int32Array.from([0]),
      },
      {
        boxes: Float32Array.from([0, 0, 10, 10, 5, 5, 20, 20, 1, 1, 2, 2]),
        scores: Float32Array.from([0.8, 0.5, 0.49]),
        classes: Int32Array.from([2, 1, 0]),
      },
    ];
    const t = pseudoLabelTargets(dets, [true, false], 0.5, 3);
    expect(Array.from(t.boxes[0]!)).toEqual([]);
    expect(Array.from(t.boxes[1]!)).toEqual([0, 0, 10, 10, 5, 5, 20, 20]);
    expect(Array.from(t.classes[1]!)).toEqual([2, 1]);
    expect(() => pseudoLabelTargets(dets, [true, false], 0.5, 2)).toThrow(/teacher class 2 .*allowed 0\.\.1/);
  });
});
