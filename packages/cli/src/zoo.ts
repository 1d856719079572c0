/**
 * `kdet zoo CONFIG`: a sweep of pairings and methods (see zoo-config.ts) run through the pairing runner the demo
 * uses. Layout: `<dir>/data/` (generated splits), `<dir>/<pairing>/{teacher,baseline-s1,cwd-s1,…}/` (ordinary
 * stage folders: config.yaml, metrics.jsonl, last.ckpt, weights/, eval/, done.json), `<dir>/<pairing>/report.html`
 * (curves and samples) and `results.md`, `results.json` (that pairing's part of the sweep's, written when all its
 * seeds ran), and `<dir>/results.md`, `results.json`, `report.html` (the whole sweep). A finished stage (done.json) is
 * loaded, an interrupted one continues from its checkpoint, so re-running a sweep in its folder resumes it. After
 * every stage a line gives the sweep's position, elapsed time and ETA (remaining stages × the mean time of the
 * trained stages of the same kind: teacher or student); before it, the stage's expected time (the epoch bars give
 * each epoch's ETA).
 */
import os from "node:os";
import path from "node:path";
import type { CliIo } from "./cli-io";
import type { Experiment } from "./config-schema";
import { formatDuration } from "./progress";
import { renderReport } from "./report-html";
import { RUN_FILES, writeRunFile } from "./run-folder";
import { ensureSyntheticSplits, type SyntheticSplits } from "./synthetic-splits";
import { pairingMethod, pairingModel, type ZooConfig } from "./zoo-config";
import { overrideKeys, type PairingPlan, type PairingResult, pairingStages, runPairing } from "./zoo-pairing";
import { type ZooTable, zooMarkdown, zooReportHtml } from "./zoo-report";

/** Options of {@link runZoo}. */
export interface ZooOptions {
  config: ZooConfig;
  /** The sweep's folder (created by the caller). */
  dir: string;
  backend: Experiment["backend"];
  threads?: number;
  io: CliIo;
  /** Lines for the report header (command, backend). */
  notes?: string[];
  /** Stop request (Ctrl-C): the running stage checkpoints its step and the sweep stops. */
  signal?: AbortSignal;
  /**
   * Run only these pairings (names from the config; see {@link selectPairings}). The sweep-level results.md,
   * results.json and report.html are then not written (they would hold a part of the sweep): a later run without
   * `only` loads the finished stages and writes them. Lets two processes share one sweep, a pairing each.
   */
  only?: readonly string[];
  /**
   * Run only these student seeds (of the config's `seeds`; stage names unchanged), with the results files left to
   * a later full run as with `only`. Lets two processes share a pairing once its teacher has finished.
   */
  onlySeeds?: readonly number[];
}

/** What a sweep produced. */
export interface ZooResult {
  dir: string;
  /** results.md's text. */
  table: string;
  pairings: Array<{ name: string; result: PairingResult }>;
  seconds: number;
}

/** The sweep's ETA: remaining stages × the mean seconds of the trained stages of their kind (teacher / student). */
export class SweepClock {
  private readonly trained: Record<"teacher" | "student", number[]> = { teacher: [], student: [] };
  private remaining: Array<"teacher" | "student">;
  private readonly t0 = performance.now();
  constructor(stages: ReadonlyArray<"teacher" | "student">) {
    this.remaining = [...stages];
  }
  /** Records a finished stage (loaded stages take no time); returns the seconds still expected. */
  done(kind: "teacher" | "student", seconds: number, loaded: boolean): number {
    const i = this.remaining.indexOf(kind);
    if (i >= 0) this.remaining.splice(i, 1);
    if (!loaded) this.trained[kind].push(seconds);
    return this.remaining.reduce((s, k) => s + this.estimate(k), 0);
  }
  /** Expected seconds of a stage of `kind`: the mean of the trained ones of its kind, else of all (NaN: none yet). */
  estimate(kind: "teacher" | "student"): number {
    const all = [...this.trained.teacher, ...this.trained.student];
    const xs = this.trained[kind].length ? this.trained[kind] : all;
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
  }
  /** Stages still to run. */
  get left(): number {
    return this.remaining.length;
  }
  /** Seconds since the sweep started. */
  get elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }
}

/**
 * The pairings of `config` named in `only` (config order), or all of them when `only` is undefined. Throws naming
 * the unknown name and the config's pairings.
 */
export function selectPairings(config: ZooConfig, only?: readonly string[]): ZooConfig["pairings"] {
  if (only === undefined) return config.pairings;
  const names = config.pairings.map((p) => p.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length > 0 || only.length === 0)
    throw new Error(
      `zoo ${config.name}: no pairing named ${unknown.map((n) => `"${n}"`).join(", ") || "(empty list)"}; the config's pairings: ${names.join(", ")}`,
    );
  return config.pairings.filter((p) => only.includes(p.name));
}

/** Checks `only` (student seeds to run) against the config's seeds; throws naming the bad value and the seeds. */
export function checkSeeds(config: ZooConfig, only?: readonly number[]): void {
  if (only === undefined) return;
  const bad = only.filter((s) => !config.seeds.includes(s));
  if (bad.length > 0 || only.length === 0)
    throw new Error(
      `zoo ${config.name}: no student seed ${bad.join(", ") || "(empty list)"}; the config's seeds: ${config.seeds.join(", ")}`,
    );
}

/**
 * results.json of a sweep, or of one pairing (`config` with that pairing alone): per pairing its rows with their
 * verdicts, the per-seed rows and the stage records; the sweep's seconds, load and cores; the config.
 */
function resultsJson(
  config: ZooConfig,
  pairings: ReadonlyArray<{ name: string; result: PairingResult }>,
  seconds: number,
): string {
  return JSON.stringify(
    {
      name: config.name,
      seeds: config.seeds,
      seconds,
      load: os.loadavg(),
      cores: os.cpus().length,
      pairings: pairings.map(({ name, result: r }) => ({
        name,
        split: r.split,
        splitImages: r.splitImages,
        rows: r.rows.map((row) => ({ ...row, verdict: r.verdictOf[row.label] ?? "" })),
        perSeed: r.perSeed,
        runs: r.stages,
      })),
      config,
    },
    null,
    1,
  );
}

/** Runs (or resumes) the sweep in `o.dir`; writes results.md, results.json and report.html there. */
export async function runZoo(o: ZooOptions): Promise<ZooResult> {
  const z = o.config;
  let data = z.data as PairingPlan["data"];
  if (z.synthetic) {
    const imageSize = Number(z.data.imageSize ?? 64);
    const spec: SyntheticSplits = {
      imageSize,
      synthetic: z.synthetic.options as SyntheticSplits["synthetic"],
      splits: z.synthetic.splits,
    };
    data = { ...data, ...(await ensureSyntheticSplits(path.join(o.dir, "data"), spec, o.io)) };
  }
  const selected = selectPairings(z, o.only);
  checkSeeds(z, o.onlySeeds);
  const plans = selected.map((p) => ({
    name: p.name,
    teacherWeights: p.teacher.weights,
    seeds: z.seeds,
    onlySeeds: o.onlySeeds,
    methods: p.methods.map(pairingMethod),
  }));
  const kinds = plans.flatMap((p) => pairingStages(p).map((s) => (s === "teacher" ? "teacher" : "student")));
  const clock = new SweepClock(kinds);
  const total = kinds.length;
  o.io.stderr(`zoo ${z.name}: ${selected.length} pairing(s), ${total} stages, seeds ${z.seeds.join(", ")}\n`);
  const pairings: ZooResult["pairings"] = [];
  for (const [i, p] of selected.entries()) {
    const dir = path.join(o.dir, p.name);
    const result = await runPairing({
      ...plans[i]!,
      dir,
      teacherDir: path.join(dir, "teacher"),
      data: overrideKeys(data, p.data),
      evalSplit: z.evalSplit,
      teacher: { ...pairingModel(p.teacher), seed: p.teacher.seed ?? 0 },
      student: pairingModel(p.student),
      output: { dir: o.dir, samples: 6 },
      backend: o.backend,
      threads: o.threads,
      io: o.io,
      signal: o.signal,
      onStageStart: (name) =>
        o.io.stderr(
          `zoo [${total - clock.left + 1}/${total}] ${p.name}/${name}: starting (unless finished earlier); expected ${formatDuration(clock.estimate(name === "teacher" ? "teacher" : "student"))}\n`,
        ),
      onStage: (name, done) => {
        const eta = clock.done(
          name === "teacher" ? "teacher" : "student",
          done.seconds,
          done.loaded ?? false,
        );
        o.io.stderr(
          `zoo [${total - clock.left}/${total}] ${p.name}/${name}: ${done.loaded ? "finished earlier, loaded" : `trained in ${formatDuration(done.seconds)}`}; sweep ${formatDuration(clock.elapsed)} elapsed, ETA ${formatDuration(eta)}\n`,
        );
      },
    });
    pairings.push({ name: p.name, result });
    // the pairing's own tables, once all its seeds ran: a sweep split over processes has them before its last run
    if (o.onlySeeds === undefined) {
      const table = zooMarkdown({ name: p.name, rows: result.rows, verdictOf: result.verdictOf });
      await writeRunFile(path.join(dir, "results.md"), `# kdet zoo ${z.name}: ${p.name}\n\n${table}\n`);
      await writeRunFile(
        path.join(dir, "results.json"),
        resultsJson({ ...z, pairings: [p] }, [{ name: p.name, result }], clock.elapsed),
      );
    }
    await writeRunFile(
      path.join(dir, RUN_FILES.report),
      renderReport({
        title: `kdet zoo ${z.name}: ${p.name}`,
        notes: [
          ...(o.notes ?? []),
          `${result.split} split: ${result.splitImages} images; final weights`,
          ...result.verdicts,
        ],
        rows: result.rows,
        entries: result.entries,
        samples: result.samples,
        config: result.configs,
      }),
    );
  }
  const seconds = clock.elapsed;
  const load = os.loadavg();
  const tables: ZooTable[] = pairings.map((p) => ({
    name: p.name,
    rows: p.result.rows,
    verdictOf: p.result.verdictOf,
  }));
  const notes = [
    ...(o.notes ?? []),
    z.description,
    `${z.seeds.length} student seeds (${z.seeds.join(", ")}): mean ± sample std; gain = mean of per-seed differences to the baseline; final weights on the ${pairings[0]?.result.split ?? "test"} split`,
    `${formatDuration(seconds)} on ${os.cpus().length} cores (load ${load.map((l) => l.toFixed(1)).join(", ")})`,
  ].filter(Boolean);
  const table = [
    `# kdet zoo ${z.name}`,
    ...notes.map((n) => `${n}  `),
    ...tables.map((t) => `\n## ${t.name}\n\n${zooMarkdown(t)}`),
  ].join("\n");
  if (o.only !== undefined || o.onlySeeds !== undefined) return { dir: o.dir, table, pairings, seconds };
  await writeRunFile(path.join(o.dir, "results.md"), `${table}\n`);
  await writeRunFile(path.join(o.dir, "results.json"), resultsJson(z, pairings, seconds));
  await writeRunFile(path.join(o.dir, RUN_FILES.report), zooReportHtml(`kdet zoo ${z.name}`, notes, tables));
  return { dir: o.dir, table, pairings, seconds };
}
