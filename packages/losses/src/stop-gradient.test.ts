import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { beforeAll, expect, it } from "vitest";
import { useCpuBackend } from "./testing/backend.js";
import { stopGradient } from "./stop-gradient.js";

beforeAll(useCpuBackend);

it("stopGradient is the identity with a zero gradient", () => {
  const x = tf.tensor2d([1, -2, 3, 4], [2, 2]);
  expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3, 4]);
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(a), a), stopGradient(tf.square(a)))))(x);
  expect(Array.from(g.dataSync())).toEqual([1, -2, 3, 4]);
  expect(stopGradient(x).shape).toEqual([2, 2]);
});
