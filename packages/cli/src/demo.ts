/**
 * `kdet demo`: the whole job on embedded synthetic data, nothing to download. Generates (or reuses)
 * a seeded synthetic dataset with three disjoint splits written as COCO files, trains a teacher,
 * trains the student baseline, distils the same student with each method — identical seeds,
 * schedule and data order, only the distillation terms differ — evaluates every model on the test
 * split with `@kdet/eval`, and writes the table, report.html and one reproducible config per stage.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { CliIo } from "./cli-io";
import { validateExperiment } from "./config-load";
import type { Experiment, ExperimentInput } from "./config-schema";
import { DEMO_METHODS, type DemoMethod } from "./demo-methods";
import type { DetectorId, TrainerConfigInput } from "./detectors-config";
import type { EvaluatedModel } from "./experiment-run";
import { formatDuration } from "./progress";
import { renderReport, resultsMarkdown } from "./report-html";
import { RUN_FILES, writeRunFile } from "./run-folder";
import { type CocoSplit, ensureSyntheticSplits, type SyntheticSplits } from "./synthetic-splits";
import { type PairingPlan, runPairing } from "./zoo-pairing";

/** A demo configuration: data, models and schedules. */
export interface DemoPreset extends SyntheticSplits {
  description: string;
  batchSize: number;
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

/** The demo's one pairing (a zoo pairing: teacher, baseline and each method per seed). */
function demoPlan(
  o: DemoOptions,
  data: Record<"train" | "val" | "test", CocoSplit>,
): Omit<PairingPlan, "dir" | "teacherDir" | "io" | "signal"> {
  const p = o.preset;
  return {
    data: { ...data, imageSize: p.imageSize, batchSize: p.batchSize, augment: p.augment, cache: true },
    teacher: {
      model: { type: p.teacher.type, bnMomentum: p.bnMomentum },
      train: p.teacher.train,
      seed: p.seed,
    },
    student: { model: { type: p.student.type, bnMomentum: p.bnMomentum }, train: p.student.train },
    evalSplit: "test",
    seeds: o.seeds?.length ? o.seeds : [...p.studentSeeds],
    methods: o.methods.map((m) => ({ name: m, distill: (c) => DEMO_METHODS[m].terms(c) })),
    output: { dir: o.out, samples: 6 },
    backend: o.backend,
    threads: o.threads,
  };
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
  const plan = demoPlan(o, await ensureSyntheticSplits(dataDir, p, o.io));
  // the teacher is trained once with the preset's seed; --seed varies the students only
  const teacherExp = validateExperiment(
    {
      backend: o.backend,
      ...(o.threads ? { threads: o.threads } : {}),
      data: { ...plan.data, seed: p.seed },
      model: { ...plan.teacher.model, seed: p.seed } as ExperimentInput["model"],
      train: p.teacher.train,
    },
    "demo preset",
  );
  const teacherDir = o.reuse
    ? path.join(cache, `teacher-${hashOf([teacherExp.data, teacherExp.model, teacherExp.train])}`)
    : path.join(dir, "teacher");
  const seeds = plan.seeds;
  const r = await runPairing({ ...plan, dir, teacherDir, io: o.io, signal: o.signal });
  const { rows, stages, verdicts } = r;
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
        `test split: ${r.splitImages} images; final weights; mAP in points; ${seedNote}`,
        ...verdicts,
        timing,
      ],
      rows,
      entries: r.entries,
      samples: r.samples,
      config: r.configs,
    }),
  );
  const text = `${table}\n\n${[seedNote, ...verdicts, timing].join("\n")}`;
  await writeRunFile(path.join(dir, "results.md"), `${text}\n`);
  await writeRunFile(
    path.join(dir, "results.json"),
    JSON.stringify(
      {
        rows,
        perSeed: r.perSeed,
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
  return { dir, table: text, models: r.models, seconds };
}
