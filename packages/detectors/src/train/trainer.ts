import * as tf from "@tensorflow/tfjs-core";
import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Detector } from "../detector";
import type { PostprocessOptions } from "../heads/postprocess";
import { namedVariables, type NamedVariable } from "../io/named-variables";
import { isTraining } from "../nn/training-mode";
import { assignNamed, variablesByName } from "../io/weights-map";
import { createDetector, type DetectorId } from "../registry";
import { readCheckpoint, writeCheckpoint } from "./checkpoint";
import { syncFile, trimMetricsFile } from "./metrics-file";
import { NON_FINITE_ADVICE, NonFiniteError } from "./non-finite";
import { ModelEma } from "./ema";
import { Optimizer } from "./optimizers";
import { stepRates } from "./schedule";
import { type TrainerConfig, type TrainerConfigInput, trainerConfigSchema } from "./trainer-config";
import { labelledFlags, pseudoLabelTargets, type PseudoTargets } from "./semi-supervised-loss";
import { trainStep, type DistillSetup, type StepResult } from "./train-step";
import { checkTeacherMaps } from "../teachers/teacher";
import { batchImages, type IdentifiedBatch } from "./batch-tensors";
import type { ValidationResult, Validator } from "./validation";

export { trainerConfigSchema, type TrainerConfig, type TrainerConfigInput } from "./trainer-config";

/** Source of training batches: deterministic per (epoch, position), e.g. a `@kdet/data` BatchLoader. */
export interface TrainData {
  readonly batchesPerEpoch: number;
  epoch(e: number): AsyncIterable<IdentifiedBatch> | Iterable<IdentifiedBatch>;
}

/** One line of `metrics.jsonl` / `onLog`. */
export type TrainLog =
  | ({ kind: "step"; step: number; epoch: number; lr: number; ms: number } & StepResult)
  | { kind: "val"; step: number; epoch: number; metrics: ValidationResult; best: boolean };

/** Everything the trainer is given. */
export interface TrainerOptions {
  model: Detector;
  data: TrainData;
  config: TrainerConfigInput;
  /** Validation supplied by the caller (e.g. COCO mAP of `@kdet/eval` on a `@kdet/data` split); none = never. */
  val?: Validator;
  /** Run folder: `last.ckpt`, `best.ckpt`, `metrics.jsonl`. Without it nothing is written. */
  outDir?: string;
  distill?: DistillSetup;
  postprocess?: PostprocessOptions;
  onLog?: (entry: TrainLog) => void;
  /**
   * Stop request (e.g. Ctrl-C): when aborted, `fit` finishes the current step, writes `last.ckpt`
   * (with `outDir`) and returns; `interrupted` is then true.
   */
  signal?: AbortSignal;
}

/**
 * The training loop: epochs of `trainStep` with the schedule's warmup/decay, EMA, clipping,
 * per-term loss logging, the caller's validation every `valEvery` epochs (on the EMA weights
 * when enabled), `last.ckpt` (model, EMA, optimizer slots, adapters, counters) written atomically so
 * that `resume()` continues bit-exactly, and `best.ckpt` for the best validation metric.
 */
export class Trainer {
  readonly config: TrainerConfig;
  readonly model: Detector;
  readonly ema: ModelEma | undefined;
  readonly optimizer: Optimizer;
  /** Optimizer steps done. */
  step = 0;
  /** True when the last `fit` stopped early because `signal` was aborted. */
  interrupted = false;
  best: { metric: number; step: number } | undefined;
  private readonly params: NamedVariable[];
  private readonly opts: TrainerOptions;

  constructor(opts: TrainerOptions) {
    this.opts = opts;
    this.config = trainerConfigSchema.parse(opts.config);
    this.model = opts.model;
    if (opts.data.batchesPerEpoch < 1)
      throw new Error(`Trainer: the training data has ${opts.data.batchesPerEpoch} batches per epoch`);
    if (this.config.detectionWeight === 0 && !opts.distill)
      throw new Error(
        "Trainer: config.detectionWeight is 0 but there is no teacher (distill): nothing to learn from",
      );
    if (this.config.pseudoLabels && !opts.distill)
      throw new Error("Trainer: config.pseudoLabels needs a teacher (distill) to produce the pseudo-labels");
    if (opts.distill) checkTeacherMaps(opts.distill.teacher, opts.distill.distiller.requiredFeatures.teacher);
    this.optimizer = new Optimizer(this.config.optimizer);
    const adapters = (opts.distill?.distiller.variables ?? []).map(
      (v, i): NamedVariable => ({
        name: `adapter.${i}`,
        variable: v,
        kind: v.rank === 1 ? "bias" : "weight",
      }),
    );
    this.params = [
      ...namedVariables(this.model).filter((n) => n.kind !== "buffer"),
      ...adapters.filter((a) => a.variable.trainable),
    ];
    if (this.config.ema) {
      if (!this.model.spec)
        throw new Error("Trainer: EMA needs a detector built by createDetector (to build its shadow copy)");
      this.ema = new ModelEma(
        this.model,
        createDetector(this.model.spec.id as DetectorId, this.model.spec.config as never),
        this.config.ema,
      );
    }
  }

  /** Total optimizer steps of the run. */
  get totalSteps(): number {
    return this.config.epochs * this.opts.data.batchesPerEpoch;
  }

  /** The weights to evaluate and export: the EMA shadow when enabled, else the model. */
  get evalModel(): Detector {
    return (this.ema?.shadow as Detector | undefined) ?? this.model;
  }

  /**
   * Trains until the configured epochs are done, or until `maxSteps` optimizer steps in total
   * (to stop early, e.g. before a resume). Returns the last validation result, if any.
   */
  async fit(opts: { maxSteps?: number } = {}): Promise<ValidationResult | undefined> {
    const bpe = this.opts.data.batchesPerEpoch;
    const stop = Math.min(opts.maxSteps ?? Infinity, this.totalSteps);
    let last: ValidationResult | undefined;
    this.interrupted = false;
    if (this.opts.outDir) {
      await mkdir(this.opts.outDir, { recursive: true });
      // lines of steps after the checkpoint (lost by a crash) are logged again: drop them first
      await trimMetricsFile(path.join(this.opts.outDir, "metrics.jsonl"), this.step);
    }
    while (this.step < stop) {
      const epoch = Math.floor(this.step / bpe);
      let pos = 0;
      const skip = this.step % bpe;
      for await (const batch of this.opts.data.epoch(epoch)) {
        if (pos++ < skip) continue;
        if (pos > bpe)
          throw new Error(`Trainer: epoch ${epoch} gives more than the ${bpe} batches per epoch it declares`);
        if (this.step >= stop) break;
        await this.runStep(batch, epoch);
        // a stop request inside an epoch checkpoints this step; at an epoch end, after validation (below)
        if (this.opts.signal?.aborted && this.step % bpe !== 0) {
          this.interrupted = true;
          if (this.opts.outDir) await this.saveCheckpoint();
          return last;
        }
        // epoch ends are checkpointed after validation, below
        if (
          this.opts.outDir &&
          this.config.checkpointEvery > 0 &&
          this.step % this.config.checkpointEvery === 0 &&
          this.step % bpe !== 0
        )
          await this.saveCheckpoint();
      }
      if (pos < bpe && this.step < stop)
        throw new Error(`Trainer: epoch ${epoch} gave ${pos} batches, expected ${bpe}`);
      if (this.step % bpe !== 0) break; // stopped inside an epoch (maxSteps)
      const done = this.step / bpe;
      const lastEpoch = done === this.config.epochs;
      if (this.opts.val && this.config.valEvery > 0 && (done % this.config.valEvery === 0 || lastEpoch))
        last = await this.validateAndKeepBest(done - 1);
      if (this.opts.outDir) await this.saveCheckpoint();
      if (this.opts.signal?.aborted && this.step < stop) {
        this.interrupted = true;
        return last;
      }
    }
    return last;
  }

  private async runStep(batch: IdentifiedBatch, epoch: number): Promise<void> {
    const t0 = performance.now();
    const c = this.config;
    const momentum = c.optimizer.type === "sgd" ? c.optimizer.momentum : 0;
    const rates = stepRates(c.schedule, c.optimizer.lr, momentum, this.step, this.totalSteps);
    const d = this.opts.distill;
    const images = batchImages(batch);
    let teacherMaps: Record<string, tf.Tensor> | undefined;
    let pseudo: PseudoTargets | undefined;
    let r: StepResult;
    try {
      const flags = labelledFlags(batch);
      const wantPseudo = !!(d && c.pseudoLabels && flags.includes(false));
      if (d) {
        const out = await d.teacher.infer(
          { batch, images },
          { maps: d.distiller.requiredFeatures.teacher, ...(wantPseudo ? { detections: true } : {}) },
        );
        teacherMaps = out.maps;
        if (wantPseudo && c.pseudoLabels) {
          if (!out.detections)
            throw new Error(`Trainer: train.pseudoLabels: teacher ${d.teacher.id} returned no detections`);
          const targets = pseudoLabelTargets(
            out.detections,
            flags,
            c.pseudoLabels.threshold,
            this.model.head.numClasses,
          );
          pseudo = { targets, weight: c.pseudoLabels.weight };
        }
      }
      this.model.train(true);
      r = this.guardFinite(() =>
        trainStep(
          {
            model: this.model,
            params: this.params,
            optimizer: this.optimizer,
            ema: this.ema,
            clipNorm: c.clipNorm,
            detectionWeight: c.detectionWeight,
            distill: d,
            ...(pseudo ? { pseudo } : {}),
          },
          batch,
          rates,
          teacherMaps,
          images,
        ),
      );
    } finally {
      tf.dispose([images, ...Object.values(teacherMaps ?? {})]);
    }
    this.step++;
    await this.log({ kind: "step", step: this.step, epoch, lr: rates.lr, ms: performance.now() - t0, ...r });
  }

  /** Validates the evaluation weights; keeps `best.ckpt` when the configured metric improves. */
  async validateAndKeepBest(epoch: number): Promise<ValidationResult> {
    if (!this.opts.val) throw new Error("Trainer.validate: no validator was given (TrainerOptions.val)");
    const model = this.evalModel;
    const wasTraining = isTraining(model);
    model.train(false);
    let m: ValidationResult;
    try {
      m = await this.opts.val.validate(model, this.opts.postprocess ?? {});
    } finally {
      model.train(wasTraining);
    }
    const v = m[this.config.bestMetric];
    const isBest = !this.best || v > this.best.metric;
    if (isBest) {
      this.best = { metric: v, step: this.step };
      if (this.opts.outDir) await this.saveCheckpoint(path.join(this.opts.outDir, "best.ckpt"));
    }
    await this.log({ kind: "val", step: this.step, epoch, metrics: m, best: isBest });
    return m;
  }

  /**
   * Runs `f`; a NaN/Inf (loss, gradient norm, weights) becomes a NonFiniteError naming the step, the
   * checkpoint that still holds good weights, and what to change.
   */
  private guardFinite<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      const keep = this.opts.outDir
        ? `${path.join(this.opts.outDir, "last.ckpt")} keeps the last good weights`
        : "the weights were not updated";
      throw new NonFiniteError(
        `Trainer: training diverged at step ${this.step + 1} (${e.message}); ${keep}. ${NON_FINITE_ADVICE}`,
      );
    }
  }

  private async log(entry: TrainLog): Promise<void> {
    this.opts.onLog?.(entry);
    if (this.opts.outDir)
      await appendFile(path.join(this.opts.outDir, "metrics.jsonl"), `${JSON.stringify(entry)}\n`);
  }

  private adapterVars(): Record<string, tf.Variable> {
    return Object.fromEntries(
      this.params.filter((p) => p.name.startsWith("adapter.")).map((p) => [p.name, p.variable]),
    );
  }

  /** Writes model, EMA, optimizer slots, adapters and counters (default `<outDir>/last.ckpt`). */
  async saveCheckpoint(file?: string): Promise<void> {
    const f = file ?? (this.opts.outDir ? path.join(this.opts.outDir, "last.ckpt") : undefined);
    if (!f) throw new Error("Trainer.saveCheckpoint: no file and no outDir");
    // the log lines up to this step reach the disk before the checkpoint that follows them
    if (this.opts.outDir) await syncFile(path.join(this.opts.outDir, "metrics.jsonl"));
    const tensors: Record<string, tf.Tensor> = {};
    const put = (prefix: string, m: Record<string, tf.Tensor>) =>
      Object.entries(m).forEach(([k, t]) => (tensors[`${prefix}/${k}`] = t));
    put("model", variablesByName(this.model));
    if (this.ema) put("ema", variablesByName(this.ema.shadow));
    put("optim", this.optimizer.state());
    put("adapter", this.adapterVars());
    const state = {
      spec: this.model.spec ?? null,
      step: this.step,
      optimizerSteps: this.optimizer.steps,
      emaUpdates: this.ema?.updates ?? null,
      best: this.best ?? null,
      config: this.config,
    };
    try {
      await writeCheckpoint(f, { state, tensors });
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      throw new NonFiniteError(
        `Trainer: the weights diverged by step ${this.step} (${e.message}); the previous checkpoint is kept. ${NON_FINITE_ADVICE}`,
      );
    }
  }

  /** Restores everything `saveCheckpoint` wrote (default `<outDir>/last.ckpt`); training continues from its step. */
  async resume(file?: string): Promise<void> {
    const f = file ?? (this.opts.outDir ? path.join(this.opts.outDir, "last.ckpt") : undefined);
    if (!f) throw new Error("Trainer.resume: no file and no outDir");
    const ck = await readCheckpoint(f);
    try {
      const s = z
        .object({
          step: z.number().int().min(0),
          optimizerSteps: z.number().int().min(0),
          emaUpdates: z.number().int().nullable(),
          best: z.object({ metric: z.number(), step: z.number() }).nullable(),
        })
        .passthrough()
        .parse(ck.state);
      const group = (prefix: string) =>
        Object.fromEntries(
          Object.entries(ck.tensors)
            .filter(([k]) => k.startsWith(`${prefix}/`))
            .map(([k, t]) => [k.slice(prefix.length + 1), t]),
        );
      assignNamed(this.model, group("model"), `Trainer.resume(${f}) model`);
      if (this.ema) {
        if (s.emaUpdates === null)
          throw new Error(`Trainer.resume(${f}): the checkpoint has no EMA, the config enables it`);
        assignNamed(this.ema.shadow, group("ema"), `Trainer.resume(${f}) ema`);
        this.ema.updates = s.emaUpdates;
      }
      const adapters = group("adapter");
      for (const [k, v] of Object.entries(this.adapterVars())) {
        const t = adapters[k];
        if (!t || t.shape.join() !== v.shape.join())
          throw new Error(`Trainer.resume(${f}): adapter "${k}" missing or of another shape`);
        v.assign(t);
      }
      this.optimizer.loadState(group("optim"), s.optimizerSteps);
      this.step = s.step;
      this.best = s.best ?? undefined;
    } finally {
      tf.dispose(Object.values(ck.tensors).filter((t) => !t.isDisposed));
    }
  }

  /** Frees the optimizer slots and the EMA shadow (not the model, teacher or distiller). */
  dispose(): void {
    this.optimizer.dispose();
    this.ema?.shadow.dispose();
  }
}
