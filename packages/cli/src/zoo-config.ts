/**
 * The config of a sweep (`kdet zoo CONFIG`): one dataset, one or more teacher/student pairings, the methods of
 * each pairing, the student seeds. Every stage of the sweep is an ordinary experiment (`kdet train|distill
 * --config` reruns it from its config.yaml): the zoo's `data` becomes the stages' `data` (plus the seed), a
 * pairing's `teacher`/`student` their `model` and `train`, a method its `distill`. A method is a demo method id
 * (`cwd`, `fgd`, …: the demo's terms on the neck P3–P5), any other method preset id (`{method: id}`), or an
 * object `{name, method | distill, train, data}`: a preset id or a `distill` section as in an experiment config,
 * plus overrides of the student's `train` and of the sweep's `data` (shallow: each key replaces the sweep's, `null`
 * removes it), e.g. `{name: pseudo, method: confidence, train: {pseudoLabels: {threshold: 0.5}}}` or, without
 * `method`/`distill`, a plain student trained without a teacher such as the fully labelled ceiling of a
 * semi-supervised sweep: `{name: full-labels, data: {semi: null}}`.
 */
import { z } from "zod";
import { expandEnv } from "./config-env";
import { readConfigFile, validateExperiment } from "./config-load";
import type { ExperimentInput } from "./config-schema";
import { DEMO_METHODS, type DemoMethod, type PairChannels } from "./demo-methods";
import { CliError } from "./errors";
import { overrideKeys, type PairingMethod, type PairingModel } from "./zoo-pairing";

const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, '.', '_', '-'");
const Seed = z.number().int().min(0);
const Split = z.object({ seed: Seed, numImages: z.number().int().min(1) }).strict();

/** A model of a pairing: its registry `type` and model options, `seed` (teacher), `weights` (a trained teacher), `train`. */
const ZooModelSchema = z
  .object({
    type: z.string(),
    seed: Seed.optional(),
    /** A trained teacher's weights folder (runs/<name>/weights): loaded, not trained. */
    weights: z.string().optional(),
    train: z.record(z.string(), z.unknown()).optional(),
  })
  .catchall(z.unknown());

/** A method of a pairing: a method id, or a named preset / `distill` section with `train` and `data` overrides. */
const ZooMethodSchema = z.union([
  Name,
  z
    .object({
      name: Name,
      /** A method preset id (a demo method id: the demo's terms). */
      method: Name.optional(),
      /** A `distill` section as in an experiment config. */
      distill: z.unknown().optional(),
      description: z.string().optional(),
      /** Keys replacing the student's `train` keys in this method's stages (e.g. `pseudoLabels`). */
      train: z.record(z.string(), z.unknown()).optional(),
      /** Keys replacing the sweep's `data` keys in this method's stages; `null` removes a key (`semi: null`). */
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .refine((m) => m.method === undefined || m.distill === undefined, {
      message: "give `method` or `distill`, not both",
    }),
]);

/** The zoo config as validated (stage-level validation follows in {@link loadZoo}). */
export const ZooConfigSchema = z
  .object({
    name: Name,
    description: z.string().default(""),
    /** Generated splits (train/val/test from different seeds) written as COCO into the sweep's `data/`. */
    synthetic: z
      .object({
        options: z.record(z.string(), z.unknown()).default({}),
        splits: z.object({ train: Split, val: Split, test: Split }).strict(),
      })
      .strict()
      .optional(),
    /** The stages' `data` section without `seed` (with `synthetic`, its train/val/test are the generated splits). */
    data: z.record(z.string(), z.unknown()),
    /**
     * The split every stage is evaluated on for the tables: `test` (default) for results, `val` for a tuning
     * sweep (the protocol chooses weights on val and runs test once, with the chosen settings, in another sweep).
     */
    evalSplit: z.enum(["test", "val"]).default("test"),
    /** Student seeds: initialisation and data order of the baseline and every method (≥ 3 for a verdict). */
    seeds: z.array(Seed).min(1),
    pairings: z
      .array(
        z
          .object({
            name: Name,
            teacher: ZooModelSchema,
            student: ZooModelSchema,
            methods: z.array(ZooMethodSchema).min(1),
            /**
             * Keys replacing the sweep's `data` keys in every stage of this pairing (its teacher too; `null` removes a
             * key), e.g. a smaller `batchSize` for a model that needs more memory per image.
             */
            data: z.record(z.string(), z.unknown()).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** A zoo config as validated. */
export type ZooConfig = z.output<typeof ZooConfigSchema>;
/** One pairing of a zoo config. */
export type ZooPairing = ZooConfig["pairings"][number];

/** The pairing model of a zoo model section (its options minus seed, weights and train). */
export function pairingModel(m: z.output<typeof ZooModelSchema>): PairingModel {
  const { seed: _s, weights: _w, train, ...model } = m;
  return { model, train: (train ?? {}) as ExperimentInput["train"] };
}

/** The `distill` of a method id: a demo method's terms for the pair's neck channels, else the preset `{method: id}`. */
function methodDistill(id: string): PairingMethod["distill"] {
  if (id in DEMO_METHODS) return (c: PairChannels) => DEMO_METHODS[id as DemoMethod].terms(c);
  return () => [{ method: id }] as unknown as ExperimentInput["distill"];
}

/** The stage method of a zoo method entry (an entry without `method`/`distill` trains without a teacher). */
export function pairingMethod(m: ZooPairing["methods"][number]): PairingMethod {
  if (typeof m === "string") return { name: m, distill: methodDistill(m) };
  const distill =
    m.method !== undefined
      ? methodDistill(m.method)
      : m.distill !== undefined
        ? () => m.distill as ExperimentInput["distill"]
        : undefined;
  return {
    name: m.name,
    ...(distill ? { distill } : {}),
    ...(m.train ? { train: m.train } : {}),
    ...(m.data ? { data: m.data } : {}),
  };
}

/**
 * Reads, expands `${VAR}`s and validates a zoo config; then validates every stage's experiment (the teacher, the
 * baseline, each method with the first seed) so that a bad model option or distill entry fails before any
 * training, naming the pairing and the method. `data` splits generated by `synthetic` are checked with
 * placeholder paths.
 */
export function loadZoo(file: string): ZooConfig {
  const raw = expandEnv(readConfigFile(file), file);
  const r = ZooConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new CliError(
      `kdet zoo: ${file}: ${i.path.join(".") || "(root)"}: ${i.message}${r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : ""}`,
    );
  }
  const zoo = r.data;
  const placeholder = { type: "coco", annotationFile: "annotations.json", imageDir: "images" };
  const sweepData = zoo.synthetic
    ? { ...zoo.data, train: placeholder, val: placeholder, test: placeholder }
    : zoo.data;
  zoo.pairings.forEach((p, i) => {
    const where = `${file}: pairings[${i}] (${p.name})`;
    const data = overrideKeys(sweepData, p.data);
    const stage = (m: PairingModel, seed: number, what: string, extra: Record<string, unknown> = {}) =>
      validateExperiment(
        { data: { ...data, seed }, model: { ...m.model, seed }, train: m.train, ...extra },
        `${where} ${what}`,
      );
    const teacher = pairingModel(p.teacher);
    if (!p.teacher.weights) stage(teacher, p.teacher.seed ?? 0, "teacher");
    const student = pairingModel(p.student);
    stage(student, zoo.seeds[0]!, "student");
    const ch = { student: [1, 1, 1], teacher: [1, 1, 1] };
    const names = new Set<string>();
    for (const m of p.methods) {
      const method = pairingMethod(m);
      if (method.name === "baseline" || method.name === "teacher" || names.has(method.name))
        throw new CliError(
          `${where}: method "${method.name}" is named twice (or "baseline"/"teacher"); allowed: distinct names`,
        );
      names.add(method.name);
      const d = overrideKeys(data, method.data);
      validateExperiment(
        {
          data: { ...d, seed: zoo.seeds[0]! },
          model: { ...student.model, seed: zoo.seeds[0]! },
          train: overrideKeys(student.train ?? {}, method.train),
          ...(method.distill
            ? { teacher: { type: p.teacher.type, weights: "weights" }, distill: method.distill(ch) }
            : {}),
        },
        `${where} method ${method.name}`,
      );
    }
  });
  const seen = new Set<string>();
  for (const p of zoo.pairings) {
    if (seen.has(p.name))
      throw new CliError(`${file}: pairing "${p.name}" is named twice; allowed: distinct names`);
    seen.add(p.name);
  }
  if (new Set(zoo.seeds).size !== zoo.seeds.length)
    throw new CliError(`${file}: seeds: ${zoo.seeds.join(", ")} names a seed twice`);
  return zoo;
}
