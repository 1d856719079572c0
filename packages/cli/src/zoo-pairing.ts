/**
 * One teacher/student pairing of a sweep (`kdet zoo`, and `kdet demo`, which is a one-pairing zoo): trains (or
 * loads) the teacher once, the baseline student per seed and each method per seed — identical data, seeds,
 * schedule and data order, only the distillation terms differ — through the same stage runner as `kdet
 * train`/`distill` (`runTrainStage`: a finished stage's `done.json` means its weights are loaded, an interrupted
 * stage continues from `last.ckpt`), evaluates every model on the report split with `@kdet/eval`, times all
 * models interleaved and aggregates the seeds by the protocol (`aggregateSeeds`, `verdict`).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { featureInfo } from "@kdet/core";
import type { CliIo } from "./cli-io";
import { experimentYaml, validateExperiment } from "./config-load";
import type { Experiment, ExperimentInput } from "./config-schema";
import { evalSplitName, loadSplits, loadTrainSplit, trainLoader } from "./datasets";
import type { PairChannels } from "./demo-methods";
import { type Detector, type DistillSetup, detectorTeacher, timeInterleaved } from "./detectors-api";
import { buildDistiller } from "./distiller-build";
import {
  type EvaluatedModel,
  evaluateModel,
  metaOf,
  postprocessOf,
  resultRows,
  validationOf,
} from "./experiment-run";
import { readMetricsLog } from "./metrics-log";
import { buildModel, loadModelFolder } from "./models";
import type { ReportEntry, ReportRow } from "./report-html";
import { buildSamples } from "./report-samples";
import { RUN_FILES } from "./run-folder";
import { aggregateSeeds, verdict } from "./seed-stats";
import { lockStage, writeStageConfig } from "./stage-guard";
import { TrainingInterrupted } from "./interrupt";
import { runTrainStage, type StageDone, stageDone } from "./train-stage";

/** A model of a pairing: its experiment `model` section without the seed, and its schedule. */
export interface PairingModel {
  model: Omit<ExperimentInput["model"], "seed"> & { type: string };
  train: ExperimentInput["train"];
}

/**
 * One method of a pairing: the stage name, its `distill` section for the pair's neck channels (absent: the student
 * trains without a teacher, e.g. a fully labelled ceiling) and overrides of the student's `train` keys and of the
 * pairing's `data` keys (`null` removes a key; the validation and report splits stay the pairing's).
 */
export interface PairingMethod {
  name: string;
  distill?: (c: PairChannels) => ExperimentInput["distill"];
  train?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/** `base` with `over`'s keys replacing its own; a `null` value removes the key. */
export function overrideKeys<T extends object>(base: T, over: Record<string, unknown> | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base, ...over };
  for (const [k, v] of Object.entries(over)) if (v === null) delete out[k];
  return out as T;
}

/** Everything one pairing needs. */
export interface PairingPlan {
  /** Folder of the baseline and method stages. */
  dir: string;
  /** Folder of the teacher's stage (trained when not finished there); ignored with `teacherWeights`. */
  teacherDir: string;
  /** The stages' `data` section without `seed` (splits, input size, batches, augmentation). */
  data: Omit<ExperimentInput["data"], "seed">;
  teacher: PairingModel & { seed: number };
  /** A trained teacher's weights folder: loaded instead of training `teacher`. */
  teacherWeights?: string;
  student: PairingModel;
  /** The split every stage is evaluated on: `test`, or `val` in a tuning sweep. */
  evalSplit: "test" | "val";
  /** Student seeds (initialisation and data order); the baseline and every method share each. */
  seeds: readonly number[];
  /**
   * Run only these of `seeds` (stage names stay those of the whole list); their rows alone are aggregated. Lets
   * two processes share one pairing once its teacher has finished.
   */
  onlySeeds?: readonly number[];
  methods: readonly PairingMethod[];
  /** The stages' `output` section (its `dir` is what `kdet train --config` would use). */
  output: ExperimentInput["output"];
  backend: Experiment["backend"];
  threads?: number;
  io: CliIo;
  signal?: AbortSignal;
  /** Called after each stage (trained or loaded), e.g. for the sweep's ETA. */
  onStage?: (name: string, done: StageDone) => void;
  /** Called before each stage runs (or loads), e.g. to print its expected time. */
  onStageStart?: (name: string) => void;
}

/** A stage's record in the results: done.json, the last val mAP and the distillation overhead. */
export type StageRecord = StageDone & {
  valMAP: number | null;
  /** Median step time over the baseline's of the same seed (null for the teacher and baselines). */
  overhead?: number | null;
};

/** What a pairing produced. */
export interface PairingResult {
  /** One aggregated row per model (teacher, baseline, methods), verdict in `verdicts`. */
  rows: ReportRow[];
  /** Per seed: the rows of teacher, baseline and methods. */
  perSeed: Array<{ seed: number; rows: ReportRow[] }>;
  /** `method: verdict` lines. */
  verdicts: string[];
  /** Verdict per row label ("" for teacher and baseline). */
  verdictOf: Record<string, string>;
  stages: Record<string, StageRecord>;
  stageDirs: Record<string, string>;
  models: EvaluatedModel[];
  entries: ReportEntry[];
  samples: Awaited<ReturnType<typeof buildSamples>>;
  /** Every stage's config.yaml, `# name: file` headed. */
  configs: string;
  split: string;
  splitImages: number;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"];
const NECK = ["p3", "p4", "p5"];

/** Stage names: `<base>-s<seed>` with several seeds, `<base>` with one. */
export function stageNameOf(base: string, seed: number, seeds: readonly number[]): string {
  return seeds.length > 1 ? `${base}-s${seed}` : base;
}

/** The seeds a plan runs: `onlySeeds` (in `seeds`' order) or all. */
function runSeeds(p: Pick<PairingPlan, "seeds" | "onlySeeds">): readonly number[] {
  return p.onlySeeds ? p.seeds.filter((s) => p.onlySeeds!.includes(s)) : p.seeds;
}

/** The plan's stages in run order (teacher first unless loaded from weights). */
export function pairingStages(
  p: Pick<PairingPlan, "seeds" | "onlySeeds" | "methods" | "teacherWeights">,
): string[] {
  const out = p.teacherWeights ? [] : ["teacher"];
  for (const s of runSeeds(p))
    out.push(...["baseline", ...p.methods.map((m) => m.name)].map((b) => stageNameOf(b, s, p.seeds)));
  return out;
}

/** Runs (or resumes) every stage of the pairing and aggregates its results. */
export async function runPairing(p: PairingPlan): Promise<PairingResult> {
  const seeds = p.seeds;
  const exp = (
    m: PairingModel,
    seed: number,
    extra: Partial<ExperimentInput> = {},
    over: Pick<PairingMethod, "train" | "data"> = {},
  ): Experiment =>
    validateExperiment(
      {
        backend: p.backend,
        ...(p.threads ? { threads: p.threads } : {}),
        data: { ...overrideKeys(p.data, over.data), seed },
        model: { ...m.model, seed } as ExperimentInput["model"],
        train: over.train ? (overrideKeys(m.train ?? {}, over.train) as ExperimentInput["train"]) : m.train,
        eval: { split: p.evalSplit },
        output: p.output,
        ...extra,
      },
      `stage of ${p.dir}`,
    );
  // a loaded teacher has no schedule: its experiment (data, evaluation, post-processing) borrows the student's
  const teacherExp = exp(
    p.teacherWeights ? { ...p.teacher, train: p.student.train } : p.teacher,
    p.teacher.seed,
  );
  const splits = await loadSplits(teacherExp.data);
  const numClasses = splits.train.classNames.length;
  // one training split per train/semi section (a method may override data.semi) and one loader per data section
  // (its order and augmentation draws follow data.seed, as in each config.yaml)
  const trainSplits = new Map([
    [JSON.stringify([teacherExp.data.train, teacherExp.data.semi]), splits.train],
  ]);
  const loaders = new Map<string, ReturnType<typeof trainLoader>>();
  const loaderFor = async (e: Experiment) => {
    const key = JSON.stringify([e.data.train, e.data.semi]);
    if (!trainSplits.has(key)) trainSplits.set(key, await loadTrainSplit(e.data));
    const dataKey = JSON.stringify(e.data);
    if (!loaders.has(dataKey)) loaders.set(dataKey, trainLoader(trainSplits.get(key)!, e.data));
    return loaders.get(dataKey)!;
  };
  const val = validationOf(splits, teacherExp);
  const split = evalSplitName(teacherExp, splits);
  const meta = metaOf(teacherExp, splits.train);
  const evaluated: EvaluatedModel[] = [];
  const entries: ReportEntry[] = [];
  const stages: Record<string, StageRecord> = {};
  const stageDirs: Record<string, string> = {};
  const weightsOf: Record<string, string> = {};

  /** Trains (or resumes/reloads) one stage, evaluates it on the report split; the caller disposes the model. */
  const stage = async (
    name: string,
    stageDir: string,
    e: Experiment,
    model: Detector,
    distill?: DistillSetup,
  ): Promise<EvaluatedModel> => {
    // a stop request between stages stops the sweep before the next unfinished stage (a finished one just loads)
    if (p.signal?.aborted && !stageDone(stageDir))
      throw new TrainingInterrupted(`${name}: stopped before it started; finished stages are kept`, stageDir);
    p.onStageStart?.(name);
    await mkdir(stageDir, { recursive: true });
    // a stage that still trains is locked (one process per stage); a finished one only loads and evaluates
    const release = stageDone(stageDir) ? async () => {} : await lockStage(stageDir, name);
    try {
      await writeStageConfig(stageDir, name, experimentYaml(e));
      const done = await runTrainStage({
        dir: stageDir,
        label: `${name} ${e.model.type}`,
        model,
        config: e.train,
        data: await loaderFor(e),
        batchSize: e.data.batchSize,
        val,
        distill,
        postprocess: postprocessOf(e),
        meta,
        io: p.io,
        signal: p.signal,
      });
      const log = readMetricsLog(path.join(stageDir, RUN_FILES.metrics));
      stages[name] = { ...done, valMAP: log.vals.at(-1)?.metrics.mAP ?? null };
      stageDirs[name] = stageDir;
      weightsOf[name] = path.join(stageDir, RUN_FILES.weights);
      p.onStage?.(name, done);
      const ev = await evaluateModel(
        name,
        e.model,
        model,
        splits[split]!,
        split,
        e,
        path.join(stageDir, RUN_FILES.evaluation),
        p.io,
      );
      evaluated.push(ev);
      if (name === "teacher" || runSeeds(p).indexOf(Number(/-s(\d+)$/.exec(name)?.[1] ?? seeds[0])) === 0)
        entries.push({
          label: name,
          colour:
            name === "teacher" ? "#7f7f7f" : COLOURS[(entries.length - 1 + COLOURS.length) % COLOURS.length]!,
          log,
          evaluation: ev.evaluation,
        });
      return ev;
    } finally {
      await release();
    }
  };

  const teacher = p.teacherWeights
    ? await loadModelFolder(p.teacherWeights, "teacher.weights")
    : await buildModel(teacherExp.model, numClasses, "teacher");
  try {
    let teacherEval: EvaluatedModel;
    if (p.teacherWeights) {
      teacherEval = await evaluateModel(
        "teacher",
        teacherExp.model,
        teacher,
        splits[split]!,
        split,
        teacherExp,
        path.join(p.dir, "teacher-eval"),
        p.io,
      );
      evaluated.push(teacherEval);
      weightsOf.teacher = p.teacherWeights;
    } else teacherEval = await stage("teacher", p.teacherDir, teacherExp, teacher);
    const teacherSection = {
      type: p.teacher.model.type,
      weights: p.teacherWeights ?? path.join(p.teacherDir, RUN_FILES.weights),
    } as ExperimentInput["teacher"];
    const perSeed: Array<{ seed: number; baseline: EvaluatedModel; methods: EvaluatedModel[] }> = [];
    for (const seed of runSeeds(p)) {
      const baseExp = exp(p.student, seed);
      const baseline = await buildModel(baseExp.model, numClasses, "model");
      const baseName = stageNameOf("baseline", seed, seeds);
      const baseEval = await stage(baseName, path.join(p.dir, baseName), baseExp, baseline).finally(() =>
        baseline.dispose(),
      );
      const methods: EvaluatedModel[] = [];
      const teacherMaps = detectorTeacher(teacher); // frees nothing of its own: the detector is disposed below
      for (const method of p.methods) {
        const student = await buildModel(baseExp.model, numClasses, "model");
        const name = stageNameOf(method.name, seed, seeds);
        if (!method.distill) {
          const e = exp(p.student, seed, {}, method);
          methods.push(
            await stage(name, path.join(p.dir, name), e, student).finally(() => student.dispose()),
          );
        } else {
          const ch = {
            student: NECK.map((l) => featureInfo(student)[`neck.${l}`]!.channels),
            teacher: NECK.map((l) => featureInfo(teacher)[`neck.${l}`]!.channels),
          };
          const e = exp(p.student, seed, { teacher: teacherSection, distill: method.distill(ch) }, method);
          const distiller = buildDistiller(e.distill, student, teacherMaps, seed, e.data.imageSize);
          methods.push(
            await stage(name, path.join(p.dir, name), e, student, {
              teacher: teacherMaps,
              distiller,
            }).finally(() => (distiller.dispose(), student.dispose())),
          );
        }
        const base = stages[baseName]!.stepSeconds;
        const own = stages[name]!.stepSeconds;
        stages[name]!.overhead = base && own ? own / base : null;
      }
      perSeed.push({ seed, baseline: baseEval, methods });
    }

    // inference time of every model measured together (interleaved), so that a change of machine load hits all alike
    const times = await timeInterleaved(weightsOf, teacherExp.data.imageSize, postprocessOf(teacherExp));
    for (const ev of evaluated) ev.cost.msPerImage = times[ev.label]!;

    const seedRows = perSeed.map((ps) =>
      resultRows([teacherEval, ps.baseline, ...ps.methods], ps.baseline, ps.methods),
    );
    const labels = ["teacher", "baseline", ...p.methods.map((m) => m.name)];
    const rows = aggregateSeeds(
      labels.map((label, i) => ({ label, rows: seedRows.map((r) => r[i]!) })),
      "baseline",
    );
    const verdictOf = Object.fromEntries(rows.map((r) => [r.label, verdict(r, rows[1]!)]));
    const samples = await buildSamples(
      splits[split]!,
      evaluated
        .filter(
          (m) => m.label === "teacher" || !/-s\d+$/.test(m.label) || m.label.endsWith(`-s${runSeeds(p)[0]}`),
        )
        .map((m) => ({ label: m.label, detections: m.detections })),
      teacherExp.output.samples,
    );
    const configs = await Promise.all(
      Object.entries(stageDirs).map(async ([k, d]) => {
        const file = path.join(d, RUN_FILES.config);
        return existsSync(file) ? `# ${k}: ${file}\n${await readFile(file, "utf8")}` : "";
      }),
    );
    return {
      rows,
      perSeed: seedRows.map((r, i) => ({ seed: perSeed[i]!.seed, rows: r })),
      verdicts: rows.filter((r) => r.gain !== null).map((r) => `${r.label}: ${verdictOf[r.label]}`),
      verdictOf,
      stages,
      stageDirs,
      models: evaluated,
      entries,
      samples,
      configs: configs.join("\n"),
      split,
      splitImages: splits[split]!.records.length,
    };
  } finally {
    teacher.dispose();
  }
}
