import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { ConvBnAct } from "../nn/conv-bn-act";
import { useTestBackend } from "../testing/backend";
import { clipGradNorm } from "./clip";
import { ModelEma } from "./ema";
import { Optimizer } from "./optimizers";
import { scheduleSchema, stepRates } from "./schedule";

beforeAll(useTestBackend);

function run(opt: Optimizer, steps: number, decay: boolean, momentum?: number): number[] {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const g = tf.tensor1d([0.5, 0.25]);
  for (let i = 0; i < steps; i++) opt.apply([{ name: "w", variable: w, grad: g, lr: 0.1, decay }], momentum);
  const out = Array.from(w.dataSync());
  tf.dispose([w, g]);
  opt.dispose();
  return out;
}

describe("Optimizer (PyTorch semantics, hand-computed)", () => {
  it("AdamW frees each parameter's temporaries before the next: peak memory grows by the slots, not the updates", async () => {
    const N = 8;
    const size = 100_000;
    /** Peak bytes of one AdamW step (slots created in it) over `n` parameters of `size` floats. */
    const peak = async (n: number) => {
      const vars = Array.from({ length: n }, () => tf.variable(tf.ones([size])));
      const grad = tf.fill([size], 0.5);
      const opt = new Optimizer({ type: "adamw", lr: 0.01, weightDecay: 0.01 });
      const before = tf.memory().numBytes;
      const info = await tf.profile(() =>
        opt.apply(vars.map((v, i) => ({ name: `w${i}`, variable: v, grad, lr: 0.01, decay: true }))),
      );
      opt.dispose();
      tf.dispose([...vars, grad]);
      return info.peakBytes - before;
    };
    const one = await peak(1);
    const many = await peak(N);
    // each extra parameter adds its two slots (m, v); a step over all parameters at once kept ~10 copies each
    expect(many - one).toBeLessThanOrEqual((N - 1) * 2 * 4 * size);
  });

  it("SGD nesterov with coupled weight decay", () => {
    const w = run(
      new Optimizer({ type: "sgd", lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      2,
      true,
    );
    // step 1: d=[.51,.23], buf=d, w-=0.1·(d+0.9·buf); step 2: d=g+0.01·w1, buf=0.9·buf+d
    expect(w[0]).toBeCloseTo(0.76507411, 6);
    expect(w[1]).toBeCloseTo(-2.10594697, 6);
  });

  it("SGD without decay, plain momentum, and a per-step momentum override", () => {
    // w1 = w0 − 0.1·g; buf2 = μ·g + g, w2 = w1 − 0.1·buf2 with μ = 0.5 (override)
    const w = run(
      new Optimizer({ type: "sgd", lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0.01 }),
      2,
      false,
      0.5,
    );
    expect(w[0]).toBeCloseTo(1 - 0.05 - 0.1 * 0.75, 6);
    expect(w[1]).toBeCloseTo(-2 - 0.025 - 0.1 * 0.375, 6);
  });

  it("AdamW with decoupled weight decay and bias correction", () => {
    const w = run(new Optimizer({ type: "adamw", lr: 0.1, weightDecay: 0.01 }), 2, true);
    // each step: w ← w·(1 − 0.001) − 0.1·m̂/(√v̂ + eps) with m̂/√v̂ = sign(g) for a constant g
    expect(w[0]).toBeCloseTo((1 * 0.999 - 0.1) * 0.999 - 0.1, 6);
    expect(w[1]).toBeCloseTo((-2 * 0.999 - 0.1) * 0.999 - 0.1, 6);
  });

  it("round-trips its slots through state()/loadState()", () => {
    const a = new Optimizer({ type: "adamw", lr: 0.1 });
    const w = tf.variable(tf.tensor1d([1, 2]));
    const g = tf.tensor1d([0.3, -0.1]);
    a.apply([{ name: "w", variable: w, grad: g, lr: 0.1, decay: true }]);
    const b = new Optimizer({ type: "adamw", lr: 0.1 });
    b.loadState(Object.fromEntries(Object.entries(a.state()).map(([k, t]) => [k, t.clone()])), a.steps);
    const w2 = tf.variable(w.clone());
    a.apply([{ name: "w", variable: w, grad: g, lr: 0.1, decay: true }]);
    b.apply([{ name: "w", variable: w2, grad: g, lr: 0.1, decay: true }]);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    tf.dispose([w, w2, g]);
    a.dispose();
    b.dispose();
  });
});

describe("schedule", () => {
  const s = scheduleSchema.parse({
    type: "cosine",
    lrf: 0.01,
    warmupSteps: 10,
    warmupBiasLr: 0.1,
    warmupMomentum: 0.8,
  });
  it("warms up weights from 0, biases from warmupBiasLr and momentum from warmupMomentum", () => {
    expect(stepRates(s, 0.01, 0.937, 0, 101)).toEqual({ lr: 0, biasLr: 0.1, momentum: 0.8 });
    const mid = stepRates(s, 0.01, 0.937, 5, 101);
    const f = 0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * 5) / 100));
    expect(mid.lr).toBeCloseTo(0.5 * 0.01 * f, 10);
    expect(mid.biasLr).toBeCloseTo(0.1 + 0.5 * (0.01 * f - 0.1), 10);
    expect(mid.momentum).toBeCloseTo(0.8685, 10);
  });
  it("cosine ends at lrf, step multiplies by gamma at milestones, linear interpolates", () => {
    expect(stepRates(s, 0.01, 0.9, 100, 101).lr).toBeCloseTo(0.0001, 12);
    const st = scheduleSchema.parse({ type: "step", milestones: [3, 6], gamma: 0.1 });
    expect([0, 2, 3, 5, 6, 9].map((i) => stepRates(st, 1, 0.9, i, 10).lr)).toEqual([
      1,
      1,
      0.1,
      0.1,
      0.1 ** 2,
      0.1 ** 2,
    ]);
    const li = scheduleSchema.parse({ type: "linear", lrf: 0.2 });
    expect(stepRates(li, 1, 0.9, 5, 11).lr).toBeCloseTo(0.6, 12);
  });
});

describe("clipGradNorm", () => {
  it("scales by maxNorm/(N + 1e-6) only when the global norm exceeds maxNorm", () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const r = clipGradNorm(g, 1);
    expect(r.norm).toBeCloseTo(5, 6);
    expect(r.grads.a!.dataSync()[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(r.grads.b!.dataSync()[0]).toBeCloseTo(4 / (5 + 1e-6), 6);
    expect(g.a.isDisposed).toBe(true);
    const kept = clipGradNorm(r.grads, 10);
    expect(kept.grads).toBe(r.grads);
    tf.dispose(Object.values(kept.grads));
  });
});

describe("ModelEma", () => {
  it("starts as a copy and follows v ← d·v + (1−d)·w with d = decay·(1 − e^(−n/τ)), BN buffers included", () => {
    const model = new ConvBnAct(2, 2, new Rng(1), { kernel: 1 });
    const shadow = new ConvBnAct(2, 2, new Rng(2), { kernel: 1 });
    const ema = new ModelEma(model, shadow, { decay: 0.9, tau: 2 });
    expect(Array.from(shadow.conv.weight.dataSync())).toEqual(Array.from(model.conv.weight.dataSync()));
    const w0 = Array.from(model.conv.weight.dataSync());
    model.conv.weight.assign(tf.add(model.conv.weight, 1));
    model.bn.runningMean.assign(tf.tensor1d([2, 4]));
    ema.update();
    const d = 0.9 * (1 - Math.exp(-1 / 2));
    Array.from(shadow.conv.weight.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(w0[i]! + (1 - d), 6));
    expect(Array.from(shadow.bn.runningMean.dataSync()).map((v) => +v.toFixed(6))).toEqual(
      [2 * (1 - d), 4 * (1 - d)].map((v) => +v.toFixed(6)),
    );
    model.dispose();
    shadow.dispose();
  });
});
