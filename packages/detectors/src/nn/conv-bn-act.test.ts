import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { maxAbsDiff } from "../testing/tensors";
import type { Activation } from "./activations";
import { ConvBnAct } from "./conv-bn-act";

beforeAll(useTestBackend);

/** The same layer composed from plain tfjs ops (autodiff reference). */
function reference(
  m: ConvBnAct,
  x: tf.Tensor4D,
  w: tf.Tensor,
  g: tf.Tensor,
  b: tf.Tensor,
  act: Activation,
): tf.Tensor4D {
  const y = m.conv.depthwise
    ? tf.depthwiseConv2d(x, w as tf.Tensor4D, m.conv.stride, m.conv.pad)
    : tf.conv2d(x, w as tf.Tensor4D, m.conv.stride, m.conv.pad);
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  const z = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, m.bn.eps))), g), b);
  return (
    act === "silu"
      ? tf.mul(z, tf.sigmoid(z))
      : act === "relu"
        ? tf.relu(z)
        : act === "relu6"
          ? tf.relu6(z)
          : z
  ) as tf.Tensor4D;
}

describe("ConvBnAct fused training op", () => {
  for (const [k, s, act, depthwise] of [
    [3, 1, "silu", false],
    [3, 2, "silu", false],
    [1, 1, "relu", false],
    [3, 2, "relu6", true],
    [7, 2, "none", false],
  ] as const) {
    it(`k${k} s${s} ${act}${depthwise ? " depthwise" : ""}: value, gradients (x, W, γ, β) and running stats equal the composed ops`, () => {
      const rng = new Rng(10 * k + s);
      const cin = 4;
      const m = new ConvBnAct(cin, depthwise ? cin : 6, rng, { kernel: k, stride: s, act, depthwise });
      m.bn.gamma.assign(rng.normalTensor([m.outChannels], 1, 0.2));
      m.bn.beta.assign(rng.normalTensor([m.outChannels], 0, 0.5));
      const x = rng.normalTensor([2, 9, 8, cin]) as tf.Tensor4D;
      const r = rng.normalTensor(tf.tidy(() => m.call(x)).shape);
      m.bn.runningMean.assign(tf.zerosLike(m.bn.runningMean));
      m.bn.runningVar.assign(tf.onesLike(m.bn.runningVar));
      const before = tf.memory().numTensors;
      const ours = tf.grads((xx: tf.Tensor, w: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        void w, g, b;
        return tf.sum(tf.mul(m.call(xx as tf.Tensor4D), r));
      })([x, m.conv.weight, m.bn.gamma, m.bn.beta]);
      const rm = Array.from(m.bn.runningMean.dataSync());
      const ref = tf.grads((xx: tf.Tensor, w: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(reference(m, xx as tf.Tensor4D, w, g, b, act), r)),
      )([x, m.conv.weight, m.bn.gamma, m.bn.beta]);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(m.call(x), r)) as tf.Scalar,
        [m.conv.weight],
      );
      const refValue = tf.tidy(() =>
        tf.sum(tf.mul(reference(m, x, m.conv.weight, m.bn.gamma, m.bn.beta, act), r)),
      );
      expect(Math.abs(value.dataSync()[0]! - refValue.dataSync()[0]!)).toBeLessThan(1e-3);
      ours.forEach((g, i) => expect(maxAbsDiff(g, ref[i]!), `grad ${i}`).toBeLessThan(2e-3));
      // one training pass moved the running mean by m·μ_B from 0
      expect(rm.some((v) => v !== 0)).toBe(true);
      tf.dispose([...ours, ...ref, value, refValue, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, r]);
      m.dispose();
    });
  }
});
