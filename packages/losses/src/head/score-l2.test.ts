import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createScoreL2 } from "./score-l2";
import { useCpuBackend } from "../testing/backend";
import { expectFinite, expectNoLeak } from "../testing/head-golden";
import { weighted } from "../testing/weighted";

beforeAll(useCpuBackend);

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe("score-l2", () => {
  const s = tf.randomNormal([2, 3, 2, 4], 0, 1, "float32", 1) as tf.Tensor4D;
  const t = tf.randomNormal([2, 3, 2, 3], 0, 1, "float32", 2) as tf.Tensor4D;
  const scores = tf.randomNormal([2, 3, 2, 5], 0, 2, "float32", 3);

  it("equals the hand-computed score-weighted MSE through a loaded 1×1 projector", () => {
    const loss = weighted(createScoreL2({ studentChannels: 4, teacherChannels: 3, projector: "conv" }), 2);
    const wOIHW = tf.tensor4d(
      Array.from({ length: 12 }, (_, i) => (i - 6) / 10),
      [3, 4, 1, 1],
    );
    const bias = tf.tensor1d([0.1, -0.2, 0.3]);
    loss.projector[0]!.loadTorch(wOIHW, bias);
    const r = loss.compute(s, t, { teacherScores: scores }).total.dataSync()[0]!;
    const [sd, td, kd, wd, bd] = [
      s.dataSync(),
      t.dataSync(),
      scores.dataSync(),
      wOIHW.dataSync(),
      bias.dataSync(),
    ];
    let num = 0;
    let ssum = 0;
    for (let p = 0; p < 12; p++) {
      const score = Math.max(...Array.from(kd.slice(p * 5, p * 5 + 5), sig));
      ssum += score;
      for (let o = 0; o < 3; o++) {
        let y = bd[o]!;
        for (let i = 0; i < 4; i++) y += wd[o * 4 + i]! * sd[p * 4 + i]!;
        num += score * (y - td[p * 3 + o]!) ** 2;
      }
    }
    expect(r).toBeCloseTo((2 * num) / (3 * ssum + 1e-9), 4);
  });

  it("'none' projector on equal channels: identical features give 0; mlp has two convs", () => {
    const id = createScoreL2({ studentChannels: 3, teacherChannels: 3, projector: "none" });
    expect(id.variables.length).toBe(0);
    expect(id.compute(t, t, { teacherScores: scores }).total.dataSync()[0]).toBe(0);
    const mlp = createScoreL2({ studentChannels: 4, teacherChannels: 3 });
    expect(mlp.variables.map((v) => v.shape)).toEqual([[1, 1, 4, 3], [3], [1, 1, 3, 3], [3]]);
    expect(() => createScoreL2({ studentChannels: 4, teacherChannels: 3, projector: "none" })).toThrow(
      /projector 'none' needs studentChannels = teacherChannels/,
    );
    mlp.dispose();
  });

  it("one SGD step changes every projector weight", () => {
    const loss = createScoreL2({ studentChannels: 4, teacherChannels: 3, seed: 5 });
    const before = loss.variables.map((v) => v.dataSync().slice());
    const { grads } = tf.variableGrads(
      () => loss.compute(s, t, { teacherScores: scores }).total,
      loss.variables,
    );
    tf.train.sgd(0.5).applyGradients(grads);
    loss.variables.forEach((v, i) => expect(v.dataSync().some((x, j) => x !== before[i]![j])).toBe(true));
    loss.dispose();
  });

  it("robust: zero features, zero scores (σ → 0), single pixel, extreme logits stay finite; no leak; errors", () => {
    const loss = createScoreL2({ studentChannels: 4, teacherChannels: 3 });
    const cases: Array<[string, tf.Tensor, tf.Tensor, tf.Tensor]> = [
      ["all-zero", tf.zeros([2, 3, 2, 4]), tf.zeros([2, 3, 2, 3]), tf.zeros([2, 3, 2, 5])],
      ["no confident scores", s, t, tf.fill([2, 3, 2, 5], -3e38)],
      ["single pixel", tf.ones([1, 1, 1, 4]), tf.zeros([1, 1, 1, 3]), tf.fill([1, 1, 1, 2], 3e38)],
    ];
    for (const [name, a, b, k] of cases) {
      const ctx = { teacherScores: k };
      expectFinite(
        name,
        loss.compute(a, b, ctx).total,
        tf.grad((x: tf.Tensor) => loss.compute(x, b, ctx).total)(a),
      );
    }
    expectNoLeak(() => loss.compute(s, t, { teacherScores: scores }));
    expect(() => loss.compute(s, t)).toThrow(/score-l2: ctx.teacherScores is required/);
    expect(() => loss.compute(t, t, { teacherScores: scores })).toThrow(/do not fit 4 → 3 channels/);
  });
});
