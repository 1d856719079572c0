import * as tf from "@tensorflow/tfjs-core";
import { Rng, roiAlign } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { headOnRois, mapRoiLevels, poolRois, poolRoisByLevel } from "./roi-pool";

beforeAll(useTestBackend);

describe("mapRoiLevels (mmdet SingleRoIExtractor.map_roi_levels, finest_scale 56)", () => {
  it("level = clamp(⌊log2(√(wh)/56 + 1e−6)⌋, 0, 3), hand cases", () => {
    const sq = (s: number) => [0, 0, s, s];
    const boxes = [
      ...sq(32), // 0.57 → −0.8 → 0
      ...sq(56), // log2(1 + 1e−6) > 0 → 0
      ...sq(111), // log2(1.98) → 0
      ...sq(112), // log2(2 + 1e−6) → 1
      ...[10, 20, 110, 420], // √(100·400) = 200 → log2(3.57) → 1
      ...sq(224), // 2
      ...sq(448), // 3
      ...sq(2000), // 5.2 → clamped to 3
      ...[5, 5, 5, 9], // zero area → log2(1e−6) → clamped to 0
    ];
    expect(Array.from(mapRoiLevels(boxes, 4))).toEqual([0, 0, 0, 1, 1, 2, 3, 3, 0]);
    expect(Array.from(mapRoiLevels(sq(448), 2))).toEqual([1]);
  });
});

describe("poolRois", () => {
  it("equals roiAlign on each RoI's own level (scale 1/stride, adaptive sampling, aligned), in RoI order, with gradients to every used level", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(3);
    const f0 = rng.uniformTensor([2, 16, 16, 5]) as tf.Tensor4D;
    const f1 = rng.uniformTensor([2, 8, 8, 5]) as tf.Tensor4D;
    // image 1 RoI of scale 120 (level 1), image 0 RoI of scale 30 (level 0), image 0 RoI of scale 112 (level 1)
    const rois = Float32Array.from([1, 2, 3, 122, 123, 0, 10, 12, 40, 42, 0, 0, 0, 112, 112]);
    const [got, want] = tf.tidy(() => {
      const g = poolRois([f0, f1], [4, 8], rois);
      const one = (f: tf.Tensor4D, r: number[], s: number) =>
        roiAlign(f, tf.tensor2d(r, [1, 5]), { outputSize: [7, 7], spatialScale: 1 / s, samplingRatio: 0 });
      const w = tf.concat([
        one(f1, [1, 2, 3, 122, 123], 8),
        one(f0, [0, 10, 12, 40, 42], 4),
        one(f1, [0, 0, 0, 112, 112], 8),
      ]);
      return [g.arraySync(), w.arraySync()];
    });
    expect(got).toEqual(want);
    const grads = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(poolRois([a as tf.Tensor4D, b as tf.Tensor4D], [4, 8], rois)),
        )([f0, f1])
        .map((g) => g.sum().dataSync()[0]!),
    );
    expect(grads[0]).toBeGreaterThan(0);
    expect(grads[1]).toBeGreaterThan(0);
    tf.dispose([f0, f1]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("headOnRois", () => {
  it("equals the head on poolRois' output (values and feature gradients), its rows in RoI order", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(5);
    const f0 = rng.uniformTensor([2, 16, 16, 3]) as tf.Tensor4D;
    const f1 = rng.uniformTensor([2, 8, 8, 3]) as tf.Tensor4D;
    const w = rng.uniformTensor([7 * 7 * 3, 4]) as tf.Tensor2D;
    // levels 1, 0, 1, 0: the level order (0 first) differs from the RoI order
    const rois = Float32Array.from([
      1, 2, 3, 122, 123, 0, 10, 12, 40, 42, 0, 0, 0, 112, 112, 1, 5, 5, 30, 20,
    ]);
    const byLevel = poolRoisByLevel([f0, f1], [4, 8], rois);
    expect(Array.from(byLevel.order)).toEqual([1, 3, 0, 2]);
    byLevel.pooled.dispose();
    // a row-wise head with two outputs
    const head = (p: tf.Tensor4D) => {
      const y = tf.matMul(tf.reshape(p, [p.shape[0], -1]), w);
      return { a: y, b: tf.square(y) };
    };
    const loss = (a: tf.Tensor, b: tf.Tensor, useHead: boolean) => {
      const fs = [a as tf.Tensor4D, b as tf.Tensor4D];
      const o = useHead ? headOnRois(fs, [4, 8], rois, {}, head) : head(poolRois(fs, [4, 8], rois));
      // weights per row: a reordering error changes the value
      return tf.sum(tf.mul(tf.add(o.a, o.b), tf.tensor2d([[1], [2], [3], [4]])));
    };
    const run = (useHead: boolean) =>
      tf.tidy(() => {
        const o = useHead
          ? headOnRois([f0, f1], [4, 8], rois, {}, head)
          : head(poolRois([f0, f1], [4, 8], rois));
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b, useHead))([f0, f1]);
        return [o.a.arraySync(), o.b.arraySync(), ...g.map((x) => x.arraySync())];
      });
    const [got, want] = [run(true), run(false)];
    got.forEach((x, i) => expect(x).toEqual(want[i]));
    tf.dispose([f0, f1, w]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
