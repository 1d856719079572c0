/**
 * One training stage in one folder (a model trained plainly or distilled): the detectors' Trainer
 * writes `metrics.jsonl`, `last.ckpt` and `best.ckpt` there; at the end the evaluation weights (EMA
 * when enabled) go to `weights/` and `done.json` marks the stage complete. Re-running a stage
 * resumes it: a complete stage just loads its weights, an interrupted one continues from
 * `last.ckpt` (the detectors' resume is bit-exact). Progress: one bar per epoch with loss parts,
 * throughput and the validation mAP. A stop request (Ctrl-C) checkpoints the current step and throws
 * {@link TrainingInterrupted}; a NaN/Inf loss stops the stage with advice, keeping the last good
 * checkpoint. `done.json` is written atomically and validated when read back.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { CliIo } from "./cli-io";
import {
  loadWeights,
  NonFiniteError,
  saveWeights,
  Trainer,
  type Detector,
  type DistillSetup,
  type PostprocessOptions,
  type TrainData,
  type TrainLog,
  type Validator,
} from "./detectors-api";
import { trainerConfigSchema, type TrainerConfigInput } from "./detectors-config";

import { CliError } from "./errors";
import { TrainingInterrupted } from "./interrupt";
import { readJsonFile } from "./json-file";
import { writeModelMeta, type ModelMeta } from "./model-meta";
import { Progress } from "./progress";
import { RUN_FILES, writeRunFile } from "./run-folder";

/** The schema of `done.json`. */
export const StageDoneSchema = z
  .object({
    steps: z.number().int().min(0),
    seconds: z.number().min(0),
    /** Seconds per optimizer step (median of the logged steps; null when no step was logged). */
    stepSeconds: z.number().min(0).nullable(),
    finishedAt: z.iso.datetime(),
    /** True when this call only loaded the weights of a stage finished earlier (e.g. a cached teacher). */
    loaded: z.boolean().optional(),
  })
  .strict();
/** What `done.json` records. */
export type StageDone = z.output<typeof StageDoneSchema>;

/** Everything a stage needs. */
export interface StageOptions {
  dir: string;
  /** Progress label, e.g. "teacher yolov8-s". */
  label: string;
  model: Detector;
  config: TrainerConfigInput;
  data: TrainData;
  batchSize: number;
  val?: Validator;
  distill?: DistillSetup;
  postprocess?: PostprocessOptions;
  io: CliIo;
  /** Written as `weights/kdet.json` (class names, input size, post-processing). */
  meta?: Omit<ModelMeta, "format">;
  /** Stop request: the stage checkpoints its current step and throws TrainingInterrupted. */
  signal?: AbortSignal;
}

/** Whether the stage in `dir` finished (its weights are written). */
export function stageDone(dir: string): boolean {
  return (
    existsSync(path.join(dir, RUN_FILES.done)) && existsSync(path.join(dir, RUN_FILES.weights, "model.json"))
  );
}

/** Trains (or resumes, or reloads) the stage; the model ends with the evaluation weights, in inference mode. */
export async function runTrainStage(o: StageOptions): Promise<StageDone> {
  const doneFile = path.join(o.dir, RUN_FILES.done);
  const weightsDir = path.join(o.dir, RUN_FILES.weights);
  if (stageDone(o.dir)) {
    await loadWeights(o.model, weightsDir);
    o.model.train(false);
    o.io.stderr(`${o.label}: already trained, weights loaded from ${weightsDir}\n`);
    return { ...readJsonFile(doneFile, StageDoneSchema, "stage record"), loaded: true };
  }
  const cfg = trainerConfigSchema.parse(o.config);
  const epochs = cfg.epochs;
  let bar: Progress | undefined;
  let barEpoch = -1;
  const stepMs: number[] = [];
  const startBar = (epoch: number, skip: number) => {
    bar = new Progress(o.io, {
      label: `${o.label} epoch ${epoch + 1}/${epochs}`,
      total: o.data.batchesPerEpoch,
      unit: "img",
      perTick: o.batchSize,
    });
    if (skip > 0) bar.tick(skip);
    barEpoch = epoch;
  };
  const onLog = (e: TrainLog) => {
    if (e.kind === "step") {
      if (e.epoch !== barEpoch) {
        bar?.finish();
        startBar(e.epoch, (e.step - 1) % o.data.batchesPerEpoch);
      }
      stepMs.push(e.ms);
      bar!.tick(1, { loss: e.loss, ...e.parts });
    } else {
      bar?.finish(
        // mAP in points, as in every table and chart
        `val mAP ${(100 * e.metrics.mAP).toFixed(1)} AP50 ${(100 * e.metrics.AP50).toFixed(1)}${e.best ? " (best)" : ""}`,
      );
      bar = undefined;
    }
  };
  const trainer = new Trainer({
    model: o.model,
    data: o.data,
    config: cfg,
    val: o.val,
    outDir: o.dir,
    distill: o.distill,
    postprocess: o.postprocess,
    onLog,
    signal: o.signal,
  });
  try {
    const t0 = performance.now();
    if (existsSync(path.join(o.dir, RUN_FILES.last))) {
      try {
        await trainer.resume();
      } catch (e) {
        throw new CliError(
          `${o.label}: cannot resume from ${path.join(o.dir, RUN_FILES.last)}: ${(e as Error).message}`,
        );
      }
      o.io.stderr(`${o.label}: resuming at step ${trainer.step} of ${trainer.totalSteps}\n`);
    }
    try {
      await trainer.fit();
    } catch (e) {
      if (e instanceof NonFiniteError) throw new CliError(`${o.label}: ${e.message}`);
      throw e;
    }
    bar?.finish();
    if (trainer.interrupted)
      throw new TrainingInterrupted(
        `${o.label}: interrupted at step ${trainer.step} of ${trainer.totalSteps}; checkpoint saved to ${path.join(o.dir, RUN_FILES.last)}`,
        o.dir,
      );
    await saveWeights(trainer.evalModel, weightsDir);
    if (o.meta) await writeModelMeta(weightsDir, o.meta);
    if (trainer.evalModel !== o.model) await loadWeights(o.model, weightsDir);
    o.model.train(false);
    const sorted = [...stepMs].sort((a, b) => a - b);
    const done: StageDone = {
      steps: trainer.step,
      seconds: (performance.now() - t0) / 1000,
      stepSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)]! / 1000 : null,
      finishedAt: new Date().toISOString(),
    };
    await writeRunFile(doneFile, `${JSON.stringify(done, null, 1)}\n`);
    return done;
  } finally {
    trainer.dispose();
  }
}
