import * as tf from "@tensorflow/tfjs-core";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { tinySynthetic } from "../testing/synthetic";
import { readCheckpoint } from "./checkpoint";
import { NonFiniteError } from "./non-finite";
import { Trainer, type TrainerConfigInput } from "./trainer";

let root = "";
beforeAll(async () => {
  await useTestBackend();
  root = await mkdtemp(path.join(os.tmpdir(), "kdet-trainer-faults-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const config = (lr: number): TrainerConfigInput => ({
  epochs: 2,
  optimizer: { type: "sgd", lr, momentum: 0.9, nesterov: true, weightDecay: 0 },
  schedule: { type: "linear", lrf: 1, warmupSteps: 0, warmupBiasLr: 0 },
  ema: false,
  checkpointEvery: 1,
});

describe("Trainer faults", () => {
  it("a diverging loss (lr 1e308) stops with advice and keeps the last good last.ckpt", async () => {
    const data = tinySynthetic({ n: 4, batchSize: 2, size: 32 });
    const dir = path.join(root, "nan");
    const m = createDetector("yolov8-n", { numClasses: 8, seed: 1 });
    const good = new Trainer({ model: m, data: data.train, config: config(0.01), outDir: dir });
    await good.fit({ maxSteps: 1 });
    good.dispose();
    const t = new Trainer({ model: m, data: data.train, config: config(1e308), outDir: dir });
    await t.resume();
    const err = await t.fit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(/diverged .*last\.ckpt.*learning rate.*warmup.*float16/s);
    const ck = await readCheckpoint(path.join(dir, "last.ckpt"));
    expect(ck.state.step).toBe(1);
    tf.dispose(Object.values(ck.tensors));
    t.dispose();
    m.dispose();
  });

  it("an aborted signal checkpoints the current step, sets interrupted, and the resume continues the log", async () => {
    const data = tinySynthetic({ n: 4, batchSize: 2, size: 32 });
    const dir = path.join(root, "abort");
    const ac = new AbortController();
    const m = createDetector("yolov8-n", { numClasses: 8, seed: 1 });
    const cfg = { ...config(0.01), checkpointEvery: 0 };
    const t = new Trainer({
      model: m,
      data: data.train,
      config: cfg,
      outDir: dir,
      signal: ac.signal,
      onLog: (e) => e.kind === "step" && e.step === 1 && ac.abort(),
    });
    await t.fit();
    expect(t.interrupted).toBe(true);
    expect(t.step).toBe(1);
    const ck = await readCheckpoint(path.join(dir, "last.ckpt"));
    expect(ck.state.step).toBe(1);
    tf.dispose(Object.values(ck.tensors));
    const w1 = namedVariables(m).map((v) => Array.from(v.variable.dataSync()));
    t.dispose();
    m.dispose();
    // a resumed trainer without the stop request trains to the end; metrics.jsonl has each step once
    const m2 = createDetector("yolov8-n", { numClasses: 8, seed: 7 });
    const t2 = new Trainer({ model: m2, data: data.train, config: cfg, outDir: dir });
    await t2.resume();
    expect(namedVariables(m2).map((v) => Array.from(v.variable.dataSync()))).toEqual(w1);
    await t2.fit();
    expect(t2.interrupted).toBe(false);
    const steps = (await readFile(path.join(dir, "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3, 4]);
    t2.dispose();
    m2.dispose();
  });

  it("a stop request at an epoch end validates that epoch first, then checkpoints and stops", async () => {
    const data = tinySynthetic({ n: 4, batchSize: 2, size: 32 });
    const dir = path.join(root, "abort-epoch-end");
    const ac = new AbortController();
    const m = createDetector("yolov8-n", { numClasses: 8, seed: 1 });
    const t = new Trainer({
      model: m,
      data: data.train,
      val: data.val,
      config: { ...config(0.01), checkpointEvery: 0 },
      outDir: dir,
      signal: ac.signal,
      onLog: (e) => e.kind === "step" && e.step === 2 && ac.abort(),
    });
    await t.fit();
    expect(t.interrupted).toBe(true);
    const lines = (await readFile(path.join(dir, "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; step: number });
    expect(lines.map((l) => `${l.kind}${l.step}`)).toEqual(["step1", "step2", "val2"]);
    const ck = await readCheckpoint(path.join(dir, "last.ckpt"));
    expect(ck.state.step).toBe(2);
    expect(ck.state.best).not.toBeNull();
    tf.dispose(Object.values(ck.tensors));
    t.dispose();
    m.dispose();
  });
});
