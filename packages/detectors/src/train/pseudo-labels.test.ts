import * as tf from "@tensorflow/tfjs-core";
import {
  createBatchLoader,
  createDataset,
  emptyAnnotations,
  emptyReport,
  type SampleRecord,
} from "@kdet/data";
import { beforeAll, describe, expect, it } from "vitest";
import type { DetectionTargets } from "../heads/types";
import { createDetector } from "../registry";
import type { Teacher } from "../teachers/teacher";
import { useTestBackend } from "../testing/backend";
import { Trainer } from "./trainer";

beforeAll(async () => {
  await useTestBackend();
});

const W = 64;
const H = 48;
const SQUARE = [6, 14, 20, 28]; // xyxy in the original 64×48 image (letterboxed to 64×64: 8 px bands)

/** A black 64×48 image with a white square at SQUARE. */
function image() {
  const data = new Uint8Array(W * H * 3);
  for (let y = SQUARE[1]!; y < SQUARE[3]!; y++)
    for (let x = SQUARE[0]!; x < SQUARE[2]!; x++) data.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { data, width: W, height: H, channels: 3 as const };
}

/**
 * An oracle teacher: finds the white pixels in the tensor it is given (the student's batch input) and reports
 * their bounding box (score 0.9, class 1) plus a fixed low-score detection (0.2) that the threshold must drop.
 */
const oracle: Teacher = {
  id: "white-square-oracle",
  maps: {},
  identity: () => ({ kind: "detector", id: "oracle", variant: "0" }),
  async infer({ images }) {
    const [n, h, w] = images.shape;
    const px = await images.data();
    const detections = Array.from({ length: n }, (_, b) => {
      let [x1, y1, x2, y2] = [w, h, 0, 0];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = ((b * h + y) * w + x) * 3;
          if (px[o]! > 0.5 && px[o + 1]! > 0.5 && px[o + 2]! > 0.5) {
            [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
          }
        }
      return {
        boxes: Float32Array.from([x1, y1, x2, y2, 0, 0, 8, 8]),
        scores: Float32Array.from([0.9, 0.2]),
        classes: Int32Array.from([1, 2]),
      };
    });
    return { maps: {}, detections };
  },
  dispose() {},
};

describe("teacher pseudo-labels in the trainer", () => {
  it("are the teacher's detections ≥ threshold on the augmented batch (flip + letterbox), for unlabelled images only", async () => {
    const labelled: SampleRecord = {
      ...emptyAnnotations(),
      boxes: Float32Array.from(SQUARE),
      classes: Int32Array.from([1]),
      categoryIds: Int32Array.from([2]),
      iscrowd: new Uint8Array(1),
      difficult: new Uint8Array(1),
      truncated: new Uint8Array(1),
      ignore: new Uint8Array(1),
      imageId: 1,
      file: "",
      width: W,
      height: H,
    };
    const unlabelled: SampleRecord = {
      ...emptyAnnotations(),
      imageId: 2,
      file: "",
      width: W,
      height: H,
      labelled: false,
    };
    const ds = createDataset({
      name: "square",
      format: "synthetic",
      root: "",
      classNames: ["a", "b", "c"],
      categoryIds: [1, 2, 3],
      records: [labelled, unlabelled],
      report: emptyReport(),
      readImage: async () => image(),
    });
    const data = createBatchLoader(ds, {
      batchSize: 2,
      size: 64,
      shuffle: false,
      prefetch: 0,
      augment: { flip: 1, affine: false, hsv: false, mosaic: 0 },
    });
    const model = createDetector("yolov8-n", { numClasses: 3, seed: 1 });
    const seen: DetectionTargets[] = [];
    const loss = model.head.loss.bind(model.head);
    model.head.loss = (raw, targets) => {
      seen.push(targets);
      return loss(raw, targets);
    };
    const trainer = new Trainer({
      model,
      data,
      config: {
        epochs: 1,
        optimizer: { type: "adamw", lr: 0.001, weightDecay: 0 },
        ema: false,
        valEvery: 0,
        pseudoLabels: { threshold: 0.5, weight: 1 },
      },
      distill: {
        teacher: oracle,
        distiller: {
          variables: [],
          requiredFeatures: { student: [], teacher: [] },
          compute: () => ({ total: tf.scalar(0), parts: {} }),
          dispose() {},
        },
      },
    });
    await trainer.fit();
    trainer.dispose();
    model.dispose();
    // call 1: ground truth of the labelled image as the loader flipped and letterboxed it; call 2: pseudo-labels
    expect(seen.length).toBe(2);
    const gt = Array.from(seen[0]!.boxes[0]!);
    const pseudo = Array.from(seen[1]!.boxes[0]!);
    expect(gt[0]!).toBeGreaterThan(32); // flipped to the right half (the square starts at the left)
    expect(pseudo.length).toBe(4); // the 0.2 detection is below the threshold
    expect(Array.from(seen[1]!.classes[0]!)).toEqual([1]);
    for (let k = 0; k < 4; k++) expect(Math.abs(pseudo[k]! - gt[k]!)).toBeLessThanOrEqual(1);
  }, 120_000);
});
