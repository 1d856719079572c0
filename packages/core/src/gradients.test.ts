// Imported before anything else on purpose: the order that used to break addN/where gradients.
import "./gradients";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";

it("registers gradients that work whatever was imported first", async () => {
  await tf.setBackend("cpu");
  const a = tf.tensor([1, 2]);
  const gAdd = tf.grad((x: tf.Tensor) => tf.sum(tf.addN([x, x, tf.mul(x, 3)])))(a);
  expect(Array.from(gAdd.dataSync())).toEqual([5, 5]);
  const gWhere = tf.grad((x: tf.Tensor) => tf.sum(tf.where(tf.tensor([true, false]), tf.square(x), x)))(a);
  expect(Array.from(gWhere.dataSync())).toEqual([2, 1]);
  expect(a.reshape([2, 1]).shape).toEqual([2, 1]);
});
