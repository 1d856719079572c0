import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, expect, it } from "vitest";
import { useCpuBackend } from "../testing/cpu";
import { convertBoxes, cxcywhToXyxy, xywhToXyxy, xyxyToCxcywh, xyxyToXywh } from "./convert";

beforeAll(useCpuBackend);

it("converts a hand case between all formats", () => {
  const xyxy = tf.tensor2d([
    [10, 20, 50, 100],
    [0, 0, 1, 1],
  ]);
  expect(xyxyToXywh(xyxy).arraySync()).toEqual([
    [10, 20, 40, 80],
    [0, 0, 1, 1],
  ]);
  expect(xyxyToCxcywh(xyxy).arraySync()).toEqual([
    [30, 60, 40, 80],
    [0.5, 0.5, 1, 1],
  ]);
  expect(xywhToXyxy(tf.tensor2d([[10, 20, 40, 80]])).arraySync()).toEqual([[10, 20, 50, 100]]);
  expect(cxcywhToXyxy(tf.tensor2d([[30, 60, 40, 80]])).arraySync()).toEqual([[10, 20, 50, 100]]);
  const b = tf.tensor3d([[[1, 2, 3, 5]]]);
  expect(convertBoxes(convertBoxes(b, "xyxy", "cxcywh"), "cxcywh", "xywh").arraySync()).toEqual([
    [[1, 2, 2, 3]],
  ]);
  expect(() => convertBoxes(tf.zeros([2, 3]), "xyxy", "xywh")).toThrow(/4 numbers/);
});
