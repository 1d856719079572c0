/**
 * `kdet demo`: the whole job on embedded synthetic data, nothing to download. Generates (or reuses)
 * a seeded synthetic dataset with three disjoint splits written as COCO files, trains a teacher,
 * trains the student baseline, distils the same student with each method — identical seeds,
 * schedule and data order, only the distillation terms differ — evaluates every model on the test
 * split with `@kdet/eval`, and writes the table, report.html and one reproducible config per stage.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { featureInfo } from "@kdet/core";
import { generateSynthetic, type SyntheticOptions } from "@kdet/data";
import type { CliIo } from "./cli-io";
import { experimentYaml, validateExperiment } from "./config-load";
import type { Experiment, ExperimentInput } from "./config-schema";
import { loadSplits, trainLoader, evalSplitName } from "./datasets";
import { DEMO_METHODS, type DemoMethod } from "./demo-methods";
import {
  type Detector,
  type DetectorId,
  type DistillSetup,
  detectorTeacher,
  type TrainerConfigInput,
  timeInterleaved,
} from "./detectors-api";
import { buildDistiller } from "./distiller-build";
import {
  evaluateModel,
  metaOf,
  postprocessOf,
  resultRows,
  validationOf,
  type EvaluatedModel,
} from "./experiment-run";
import { aggregateSeeds, verdict } from "./seed-stats";
import { readMetricsLog } from "./metrics-log";
import { buildModel } from "./models";
import { formatDuration } from "./progress";
import { renderReport, resultsMarkdown, type ReportEntry } from "./report-html";
import { buildSamples } from "./report-samples";
import { RUN_FILES, writeRunFile } from "./run-folder";
import { runTrainStage, type StageDone } from "./train-stage";

/** A demo configuration: data, models and schedules. */
export interface DemoPreset {
  description: string;
  imageSize: number;
  batchSize: number;
  /** Shared options of the synthetic splits (object sizes, clutter, …). */
  synthetic: Omit<SyntheticOptions, "seed" | "numImages" | "size">;
  /** Disjoint splits: different generator seeds. */
  splits: {
    train: { seed: number; numImages: number };
    val: { seed: number; numImages: number };
    test: { seed: number; numImages: number };
  };
  augment: NonNullable<ExperimentInput["data"]["augment"]>;
  teacher: { type: DetectorId; train: TrainerConfigInput };
  student: { type: DetectorId; train: TrainerConfigInput };
  /** The teacher's initialisation and data-order seed. */
  seed: number;
  /** Students' initialisation and data-order seeds (baseline and distilled students share each): ≥ 3 for a verdict. */
  studentSeeds: readonly number[];
  /** BatchNorm running-statistics momentum (short schedules need faster running statistics than YOLOv8's 0.03). */
  bnMomentum: number;
  /** Methods run when --methods is not given. */
  methods: DemoMethod[];
}

const schedule = (epochs: number, lr: number, warmupSteps: number, valEvery: number): TrainerConfigInput => ({
  epochs,
  optimizer: { type: "adamw", lr, weightDecay: 0.0005 },
  schedule: { type: "cosine", lrf: 0.05, warmupSteps },
  ema: false,
  clipNorm: 10,
  valEvery,
  checkpointEvery: 5,
});

/** The default demo (< 10 minutes on 2 cores) and the CI smoke run (`--quick`, < 2 minutes, no gain expected). */
export const DEMO_PRESETS = {
  default: {
    description:
      "synthetic shapes 64 px; teacher YOLOv8-s (16 epochs), students YOLOv8-n (6 epochs, seeds 1, 2, 3)",
    imageSize: 64,
    batchSize: 16,
    synthetic: { minObjects: 1, maxObjects: 3, minObjectSize: 10, maxObjectSize: 40, clutter: 0.3, noise: 4 },
    splits: {
      train: { seed: 1, numImages: 256 },
      val: { seed: 2, numImages: 256 },
      test: { seed: 3, numImages: 512 },
    },
    augment: { mosaic: 0 },
    teacher: { type: "yolov8-s", train: schedule(16, 0.002, 10, 4) },
    student: { type: "yolov8-n", train: schedule(6, 0.002, 10, 2) },
    seed: 11,
    studentSeeds: [1, 2, 3],
    bnMomentum: 0.1,
    methods: ["cwd"],
  },
  quick: {
    description: "smoke run: 64 px, 2 epochs of 2 batches each, every stage end to end",
    imageSize: 64,
    batchSize: 8,
    synthetic: { minObjects: 1, maxObjects: 2, minObjectSize: 16, maxObjectSize: 40, clutter: 0, noise: 0 },
    splits: {
      train: { seed: 1, numImages: 16 },
      val: { seed: 2, numImages: 8 },
      test: { seed: 3, numImages: 8 },
    },
    augment: { mosaic: 0, affine: false, flip: 0.5 },
    teacher: { type: "yolov8-s", train: schedule(2, 0.002, 2, 1) },
    student: { type: "yolov8-n", train: schedule(2, 0.002, 2, 1) },
    seed: 11,
    studentSeeds: [11],
    bnMomentum: 0.1,
    methods: ["cwd"],
  },
} as const satisfies Record<string, DemoPreset>;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  preset: DemoPreset;
  methods: DemoMethod[];
  /** The run folder (created by the caller). */
  dir: string;
  /** Parent folder of run folders (holds `.kdet-cache` with `reuse`). */
  out: string;
  /** The run folder is being resumed. */
  resumed: boolean;
  /** Keep the dataset and the trained teacher in `<out>/.kdet-cache/` and reuse them in later demos. */
  reuse: boolean;
  /** The students' initialisation and data-order seeds (default: the preset's `studentSeeds`); the teacher keeps the preset's seed. */
  seeds?: number[];
  backend: Experiment["backend"];
  threads?: number;
  io: CliIo;
  /** Lines for the report header (command, backend). */
  notes?: string[];
  /** Stop request (Ctrl-C): the running stage checkpoints its current step and the demo stops. */
  signal?: AbortSignal;
}

/** What a demo run produced. */
export interface DemoResult {
  dir: string;
  table: string;
  models: EvaluatedModel[];
  seconds: number;
}

/** A stable short hash of a JSON value (cache keys). */
function hashOf(v: unknown): string {
  return createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 12);
}

/** Writes the three synthetic splits as COCO into `dir` unless they are there; returns their loader configs. */
async function ensureData(
  dir: string,
  p: DemoPreset,
  io: CliIo,
): Promise<Record<"train" | "val" | "test", { type: "coco"; annotationFile: string; imageDir: string }>> {
  const out = {} as Record<
    "train" | "val" | "test",
    { type: "coco"; annotationFile: string; imageDir: string }
  >;
  for (const split of ["train", "val", "test"] as const) {
    const target = path.join(dir, split);
    const annotationFile = path.join(target, "annotations.json");
    if (!existsSync(annotationFile)) {
      const t0 = performance.now();
      const tmp = `${target}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      const r = await generateSynthetic({
        ...p.synthetic,
        size: p.imageSize,
        ...p.splits[split],
        outDir: tmp,
      });
      await rm(target, { recursive: true, force: true });
      await rename(tmp, target);
      io.stderr(
        `data ${split}: ${r.numImages} synthetic images, ${r.numBoxes} boxes -> ${target} (${formatDuration((performance.now() - t0) / 1000)})\n`,
      );
    }
    out[split] = { type: "coco", annotationFile, imageDir: path.join(target, "images") };
  }
  return out;
}

/** The experiment of one stage (saved as its config.yaml; `kdet train|distill --config` reruns it). */
function stageExperiment(
  p: DemoPreset,
  data: Awaited<ReturnType<typeof ensureData>>,
  o: DemoOptions,
  model: { type: DetectorId; train: TrainerConfigInput },
  seed: number,
  extra: Partial<ExperimentInput> = {},
): Experiment {
  const input: ExperimentInput = {
    backend: o.backend,
    ...(o.threads ? { threads: o.threads } : {}),
    data: { ...data, imageSize: p.imageSize, batchSize: p.batchSize, seed, augment: p.augment, cache: true },
    model: { type: model.type, seed, bnMomentum: p.bnMomentum } as ExperimentInput["model"],
    train: model.train,
    eval: { split: "test" },
    output: { dir: o.out, samples: 6 },
    ...extra,
  };
  return validateExperiment(input, "demo preset");
}

/** Runs the demo in `o.dir`; every stage resumes from its folder when it was started before. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const p = o.preset;
  const dir = o.dir;
  o.io.stderr(
    `demo: ${p.description}; methods ${o.methods.join(", ")}\nrun folder: ${dir}${o.resumed ? " (resumed: finished stages are loaded, an interrupted one continues)" : ""}\n`,
  );
  const cache = path.join(o.out, ".kdet-cache");
  const dataDir = o.reuse
    ? path.join(cache, `data-${hashOf([p.imageSize, p.synthetic, p.splits])}`)
    : path.join(dir, "data");
  const data = await ensureData(dataDir, p, o.io);

  // the teacher is trained once with the preset's seed; --seed varies the students only
  const teacherExp = stageExperiment(p, data, o, p.teacher, p.seed);
  const teacherDir = o.reuse
    ? path.join(cache, `teacher-${hashOf([teacherExp.data, teacherExp.model, teacherExp.train])}`)
    : path.join(dir, "teacher");
  const splits = await loadSplits(teacherExp.data);
  const numClasses = splits.train.classNames.length;
  // one training loader per data seed (its order and augmentation draws follow data.seed, as in each stage's config.yaml)
  const loaders = new Map<number, ReturnType<typeof trainLoader>>();
  const loaderFor = (exp: Experiment) => {
    if (!loaders.has(exp.data.seed)) loaders.set(exp.data.seed, trainLoader(splits.train, exp.data));
    return loaders.get(exp.data.seed)!;
  };
  const val = validationOf(splits, teacherExp);
  const split = evalSplitName(teacherExp, splits);
  const meta = metaOf(teacherExp, splits.train);
  const evaluated: EvaluatedModel[] = [];
  const entries: ReportEntry[] = [];
  const stages: Record<string, StageDone & { valMAP: number | null }> = {};
  const stageDirs: Record<string, string> = {};
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"];
  const seeds = o.seeds?.length ? o.seeds : [...p.studentSeeds];
  const stageName = (base: string, s: number) => (seeds.length > 1 ? `${base}-s${s}` : base);

  /** Trains (or resumes/reloads) one stage, evaluates it on the report split; the caller disposes the model. */
  const stage = async (
    name: string,
    stageDir: string,
    exp: Experiment,
    model: Detector,
    distill?: DistillSetup,
  ): Promise<EvaluatedModel> => {
    await mkdir(stageDir, { recursive: true });
    await writeRunFile(path.join(stageDir, RUN_FILES.config), experimentYaml(exp));
    const done = await runTrainStage({
      dir: stageDir,
      label: `${name} ${exp.model.type}`,
      model,
      config: exp.train,
      data: loaderFor(exp),
      batchSize: p.batchSize,
      val,
      distill,
      postprocess: postprocessOf(exp),
      meta,
      io: o.io,
      signal: o.signal,
    });
    const log = readMetricsLog(path.join(stageDir, RUN_FILES.metrics));
    stages[name] = { ...done, valMAP: log.vals.at(-1)?.metrics.mAP ?? null };
    stageDirs[name] = stageDir;
    const ev = await evaluateModel(
      name,
      exp.model,
      model,
      splits[split]!,
      split,
      exp,
      path.join(stageDir, RUN_FILES.evaluation),
      o.io,
    );
    evaluated.push(ev);
    if (name === "teacher" || seeds.indexOf(Number(/-s(\d+)$/.exec(name)?.[1] ?? seeds[0])) === 0)
      entries.push({
        label: name,
        colour:
          name === "teacher" ? "#7f7f7f" : colours[(entries.length - 1 + colours.length) % colours.length]!,
        log,
        evaluation: ev.evaluation,
      });
    return ev;
  };

  const teacher = await buildModel(teacherExp.model, numClasses, "teacher");
  try {
    const teacherEval = await stage("teacher", teacherDir, teacherExp, teacher);
    const perSeed: Array<{ seed: number; baseline: EvaluatedModel; methods: EvaluatedModel[] }> = [];
    for (const seed of seeds) {
      const baseExp = stageExperiment(p, data, o, p.student, seed);
      const baseline = await buildModel(baseExp.model, numClasses, "model");
      const baseName = stageName("baseline", seed);
      const baseEval = await stage(baseName, path.join(dir, baseName), baseExp, baseline).finally(() =>
        baseline.dispose(),
      );
      const methods: EvaluatedModel[] = [];
      const teacherMaps = detectorTeacher(teacher); // frees nothing of its own: the detector is disposed below
      for (const method of o.methods) {
        const student = await buildModel(baseExp.model, numClasses, "model");
        const ch = {
          student: ["p3", "p4", "p5"].map((l) => featureInfo(student)[`neck.${l}`]!.channels),
          teacher: ["p3", "p4", "p5"].map((l) => featureInfo(teacher)[`neck.${l}`]!.channels),
        };
        const exp = stageExperiment(p, data, o, p.student, seed, {
          teacher: {
            type: p.teacher.type,
            weights: path.join(teacherDir, RUN_FILES.weights),
          } as ExperimentInput["teacher"],
          distill: DEMO_METHODS[method].terms(ch),
        });
        const distiller = buildDistiller(exp.distill, student, teacherMaps, seed);
        const name = stageName(method, seed);
        methods.push(
          await stage(name, path.join(dir, name), exp, student, { teacher: teacherMaps, distiller }).finally(
            () => (distiller.dispose(), student.dispose()),
          ),
        );
      }
      perSeed.push({ seed, baseline: baseEval, methods });
    }

    // inference time of every model measured together (interleaved), so that a change of machine load hits all alike
    const times = await timeInterleaved(
      Object.fromEntries(Object.entries(stageDirs).map(([k, d]) => [k, path.join(d, RUN_FILES.weights)])),
      p.imageSize,
      postprocessOf(teacherExp),
    );
    for (const ev of evaluated) ev.cost.msPerImage = times[ev.label]!;

    const seedRows = perSeed.map((ps) =>
      resultRows([teacherEval, ps.baseline, ...ps.methods], ps.baseline, ps.methods),
    );
    const labels = ["teacher", "baseline", ...o.methods];
    const rows = aggregateSeeds(
      labels.map((label, i) => ({ label, rows: seedRows.map((r) => r[i]!) })),
      "baseline",
    );
    const verdicts = rows.filter((r) => r.gain !== null).map((r) => `${r.label}: ${verdict(r, rows[1]!)}`);
    const table = resultsMarkdown(rows);
    const seconds = (performance.now() - t0) / 1000;
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(", ");
    const timing = `${formatDuration(seconds)} total on ${os.cpus().length} cores (load ${load}); stages: ${Object.entries(
      stages,
    )
      .map(
        ([k, s]) =>
          `${k} ${s.loaded ? `loaded (trained earlier in ${formatDuration(s.seconds)})` : formatDuration(s.seconds)}`,
      )
      .join(", ")}`;
    const samples = await buildSamples(
      splits[split]!,
      evaluated
        .filter((m) => m.label === "teacher" || !/-s\d+$/.test(m.label) || m.label.endsWith(`-s${seeds[0]}`))
        .map((m) => ({ label: m.label, detections: m.detections })),
      6,
    );
    const configs = await Promise.all(
      Object.entries(stageDirs).map(
        async ([k, d]) =>
          `# ${k}: ${path.join(d, RUN_FILES.config)}\n${await readFile(path.join(d, RUN_FILES.config), "utf8")}`,
      ),
    );
    const seedNote =
      seeds.length > 1
        ? `${seeds.length} student seeds (${seeds.join(", ")}): mean ± sample std; gain = mean of per-seed differences to the baseline`
        : `one student seed (${seeds[0]})`;
    await writeRunFile(
      path.join(dir, RUN_FILES.report),
      renderReport({
        title: "kdet demo: distillation on synthetic shapes",
        notes: [
          ...(o.notes ?? []),
          p.description,
          `test split: ${splits[split]!.records.length} images; final weights; mAP in points; ${seedNote}`,
          ...verdicts,
          timing,
        ],
        rows,
        entries,
        samples,
        config: configs.join("\n"),
      }),
    );
    const text = `${table}\n\n${[seedNote, ...verdicts, timing].join("\n")}`;
    await writeRunFile(path.join(dir, "results.md"), `${text}\n`);
    await writeRunFile(
      path.join(dir, "results.json"),
      JSON.stringify(
        {
          rows,
          perSeed: seedRows.map((r, i) => ({ seed: seeds[i], rows: r })),
          verdicts,
          seconds,
          load: os.loadavg(),
          stages,
          preset: p,
          methods: o.methods,
        },
        null,
        1,
      ),
    );
    return { dir, table: text, models: evaluated, seconds };
  } finally {
    teacher.dispose();
  }
}
