/**
 * One training stage in one folder (a model trained plainly or distilled): the detectors' Trainer
 * writes `metrics.jsonl`, `last.ckpt` and `best.ckpt` there; at the end the evaluation weights (EMA
 * when enabled) go to `weights/` and `done.json` marks the stage complete. Re-running a stage
 * resumes it: a complete stage just loads its weights, an interrupted one continues from
 * `last.ckpt` (the detectors' resume is bit-exact). Progress: one bar per epoch with loss parts,
 * throughput and the validation mAP.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CliIo } from "./cli-io";
import {
  loadWeights,
  saveWeights,
  Trainer,
  trainerConfigSchema,
  type Detector,
  type DistillSetup,
  type PostprocessOptions,
  type TrainData,
  type TrainerConfigInput,
  type TrainLog,
  type ValidationData,
} from "./detectors-api";

import { CliError } from "./errors";
import { writeModelMeta, type ModelMeta } from "./model-meta";
import { fmtNum, Progress } from "./progress";
import { RUN_FILES } from "./run-folder";

/** What `done.json` records. */
export interface StageDone {
  steps: number;
  seconds: number;
  /** Seconds per optimizer step (median of the logged steps). */
  stepSeconds: number;
  finishedAt: string;
  /** True when this call only loaded the weights of a stage finished earlier (e.g. a cached teacher). */
  loaded?: boolean;
}

/** Everything a stage needs. */
export interface StageOptions {
  dir: string;
  /** Progress label, e.g. "teacher yolov8-s". */
  label: string;
  model: Detector;
  config: TrainerConfigInput;
  data: TrainData;
  batchSize: number;
  val?: ValidationData;
  distill?: DistillSetup;
  postprocess?: PostprocessOptions;
  io: CliIo;
  /** Written as `weights/kdet.json` (class names, input size, post-processing). */
  meta?: Omit<ModelMeta, "format">;
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
    return { ...(JSON.parse(await readFile(doneFile, "utf8")) as StageDone), loaded: true };
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
        `val mAP ${fmtNum(e.metrics.mAP)} AP50 ${fmtNum(e.metrics.AP50)}${e.best ? " (best)" : ""}`,
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
    await trainer.fit();
    bar?.finish();
    await saveWeights(trainer.evalModel, weightsDir);
    if (o.meta) await writeModelMeta(weightsDir, o.meta);
    if (trainer.evalModel !== o.model) await loadWeights(o.model, weightsDir);
    o.model.train(false);
    const sorted = [...stepMs].sort((a, b) => a - b);
    const done: StageDone = {
      steps: trainer.step,
      seconds: (performance.now() - t0) / 1000,
      stepSeconds: (sorted[Math.floor(sorted.length / 2)] ?? NaN) / 1000,
      finishedAt: new Date().toISOString(),
    };
    await writeFile(doneFile, JSON.stringify(done, null, 1));
    return done;
  } finally {
    trainer.dispose();
  }
}
