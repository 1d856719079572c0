import * as tf from "@tensorflow/tfjs-core";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { handBatch, tinySynthetic } from "../testing/synthetic";
import { Optimizer } from "./optimizers";
import { trainStep } from "./train-step";
import { Trainer, type TrainerConfigInput, type TrainLog } from "./trainer";

let root = "";
beforeAll(async () => {
  await useTestBackend();
  root = await mkdtemp(path.join(os.tmpdir(), "kdet-trainer-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const config: TrainerConfigInput = {
  epochs: 2,
  optimizer: { type: "sgd", lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  schedule: { type: "cosine", lrf: 0.1, warmupSteps: 2 },
  ema: { decay: 0.99, tau: 3 },
  clipNorm: 5,
  checkpointEvery: 1,
};

function snapshot(m: Parameters<typeof namedVariables>[0]): Record<string, number[]> {
  return Object.fromEntries(namedVariables(m).map((v) => [v.name, Array.from(v.variable.dataSync())]));
}

describe("Trainer", () => {
  it("resume after N steps equals N+M uninterrupted steps (model, EMA, optimizer), checkpoints atomic, best kept", async () => {
    const data = tinySynthetic({ n: 4, batchSize: 2, size: 64 });
    const before = tf.memory().numTensors;
    // uninterrupted: 4 steps (2 epochs × 2 batches)
    const a = createDetector("yolov8-n", { numClasses: 8, seed: 5 });
    const logsA: TrainLog[] = [];
    const ta = new Trainer({
      model: a,
      data: data.train,
      val: data.val,
      config,
      outDir: path.join(root, "a"),
      onLog: (e) => logsA.push(e),
    });
    await ta.fit();
    const refModel = snapshot(a);
    const refEma = snapshot(ta.evalModel);
    const refOptim = Object.fromEntries(
      Object.entries(ta.optimizer.state()).map(([k, t]) => [k, Array.from(t.dataSync())]),
    );
    ta.dispose();
    a.dispose();

    // interrupted after 3 steps, then resumed into a differently initialised model
    const dirB = path.join(root, "b");
    const b1 = createDetector("yolov8-n", { numClasses: 8, seed: 5 });
    const tb1 = new Trainer({ model: b1, data: data.train, val: data.val, config, outDir: dirB });
    await tb1.fit({ maxSteps: 3 });
    expect(tb1.step).toBe(3);
    tb1.dispose();
    b1.dispose();
    const b2 = createDetector("yolov8-n", { numClasses: 8, seed: 99 });
    const logsB: TrainLog[] = [];
    const tb2 = new Trainer({
      model: b2,
      data: data.train,
      val: data.val,
      config,
      outDir: dirB,
      onLog: (e) => logsB.push(e),
    });
    await tb2.resume();
    expect(tb2.step).toBe(3);
    await tb2.fit();
    expect(tb2.step).toBe(4);
    expect(snapshot(b2)).toEqual(refModel);
    expect(snapshot(tb2.evalModel)).toEqual(refEma);
    expect(
      Object.fromEntries(
        Object.entries(tb2.optimizer.state()).map(([k, t]) => [k, Array.from(t.dataSync())]),
      ),
    ).toEqual(refOptim);
    const stepA = logsA.find((l) => l.kind === "step" && l.step === 4);
    const stepB = logsB.find((l) => l.kind === "step" && l.step === 4);
    expect(stepB && "parts" in stepB && stepB.parts).toEqual(stepA && "parts" in stepA && stepA.parts);
    expect(Object.keys(stepA && "parts" in stepA ? stepA.parts : {}).sort()).toEqual(["box", "cls", "dfl"]);

    const files = await readdir(dirB);
    expect(files.sort()).toEqual(["best.ckpt", "last.ckpt", "metrics.jsonl"]);
    const lines = (await readFile(path.join(dirB, "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as TrainLog);
    const vals = lines.filter((l) => l.kind === "val");
    expect(vals.length).toBe(2); // after epoch 1 (first run) and epoch 2 (resumed run)
    expect(tb2.best?.step).toBe(
      vals.reduce((best, v) =>
        v.kind === "val" && best.kind === "val" && v.metrics.mAP > best.metrics.mAP ? v : best,
      ).step,
    );
    tb2.dispose();
    b2.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a step on awkward data (image without boxes, zero-size box, full-image box) stays finite", () => {
    const model = createDetector("yolov8-n", { numClasses: 3, seed: 1 });
    const params = namedVariables(model).filter((n) => n.kind !== "buffer");
    const optimizer = new Optimizer({ type: "sgd", lr: 0.01 });
    const batch = handBatch(
      64,
      [[], [10, 10, 10, 10, 5, 6, 30, 40], [0, 0, 64, 64, 20, 20, 20.5, 50]],
      [[], [1, 2], [0, 1]],
    );
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const r = trainStep({ model, params, optimizer, clipNorm: 10 }, batch, {
        lr: 0.01,
        biasLr: 0.01,
        momentum: 0.9,
      });
      expect(Number.isFinite(r.loss) && Number.isFinite(r.gradNorm)).toBe(true);
      expect(Object.values(r.parts).every(Number.isFinite)).toBe(true);
    }
    for (const p of params) expect(p.variable.dataSync().every(Number.isFinite), p.name).toBe(true);
    const empty = trainStep({ model, params, optimizer, clipNorm: 10 }, handBatch(64, [[], []], [[], []]), {
      lr: 0.01,
      biasLr: 0.01,
      momentum: 0.9,
    });
    expect(empty.parts.box).toBe(0);
    expect(empty.parts.cls).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before + Object.keys(optimizer.state()).length); // only the new momentum slots
    optimizer.dispose();
    model.dispose();
  });
});
