/**
 * The one zod schema of a kdet experiment (`kdet train` / `kdet distill` / `kdet demo`): data,
 * model, teacher, distillation terms, schedule, evaluation and output. YAML or JSON, no
 * inheritance; every object is strict (an unknown key is an error that lists the allowed keys).
 * The model and dataset parts are derived from the `DETECTOR_INFO` and `DATASETS` registries, the
 * distillation terms from `@kdet/losses/config` and the schedule from the detectors' trainer, so a new
 * registry entry is accepted here without a change. Nothing here loads TensorFlow.js.
 */
import { AugmentSchema, DATASETS, type DatasetConfigSchema } from "@kdet/data";
import { DistillTermConfig, AdapterConfig } from "@kdet/losses/config";
import { z } from "zod";
import {
  DETECTOR_INFO,
  DETECTOR_IDS,
  TEACHER_IDS,
  trainerConfigSchema,
  type DetectorId,
  type TeacherId,
} from "./detectors-config";
import { BACKENDS } from "./backend";
import { withDataShorthand } from "./data-shorthand";
import { METHOD_IDS, type MethodId } from "./methods";

/** One dataset split: `{type, ...options of that format}` (coco, yolo, voc, flir, synthetic); unknown keys are errors. */
export const DatasetSchema = z.discriminatedUnion(
  "type",
  Object.entries(DATASETS).map(([type, e]) =>
    (e.schema as z.ZodObject).extend({ type: z.literal(type) }).strict(),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<z.output<typeof DatasetConfigSchema>, z.input<typeof DatasetConfigSchema>>;

/** A model section as validated: a registry id, the registry config's fields, optional weights. */
export type ModelSection = {
  type: DetectorId;
  numClasses?: number;
  seed?: number;
  weights?: string;
} & Record<string, unknown>;
/** A model section as written. */
export type ModelSectionInput = {
  type: DetectorId;
  numClasses?: number;
  seed?: number;
  weights?: string;
} & Record<string, unknown>;

/** The detector to build: a registry id plus its config; `numClasses` defaults to the dataset's. */
function modelOption(id: (typeof DETECTOR_IDS)[number], extra: z.ZodRawShape) {
  return (DETECTOR_INFO[id].config as unknown as z.ZodObject)
    .extend({
      type: z.literal(id),
      numClasses: z.number().int().min(1).max(10_000).optional(),
      /** A model folder written by `kdet train` / `kdet export` (model.json + shards) to start from. */
      weights: z.string().min(1).optional(),
      ...extra,
    })
    .strict();
}
const models = (extra: z.ZodRawShape) =>
  z.discriminatedUnion(
    "type",
    DETECTOR_IDS.map((id) => modelOption(id, extra)) as unknown as [z.ZodObject, ...z.ZodObject[]],
  );

/** The student (or the only) model. */
export const ModelSchema = models({}) as unknown as z.ZodType<ModelSection, ModelSectionInput>;

type TrainSection = z.output<typeof trainerConfigSchema>;
/** `teacher.cache`: a teacher cache folder written by `kdet cache build` (maps read from disk instead of running the teacher). */
const cacheOption = z.string().min(1).optional();

/**
 * A pretrained COCO-80 teacher from `@kdet/detectors` (`loadTeacher(id)`, read from an installed npm package):
 * `{pretrained: "centernet-mbv3" | "nanodet-g"}`. Its maps have their own stride and size: terms need `align: resize`.
 */
export const PretrainedTeacherSchema = z
  .object({
    /** Never given: a pretrained teacher has no registry `type` (the key only keeps the union discriminated). */
    type: z.undefined().optional(),
    pretrained: z.enum(TEACHER_IDS as [TeacherId, ...TeacherId[]]),
    cache: cacheOption,
  })
  .strict();
/** A pretrained teacher section as validated. */
export type PretrainedTeacherSection = { pretrained: TeacherId; cache?: string; type?: undefined };
/** A registry teacher section as validated. */
export type ModelTeacherSection = ModelSection & {
  train?: TrainSection;
  cache?: string;
  pretrained?: undefined;
};
/** A registry teacher section as written. */
type ModelTeacherInput = ModelSectionInput & { train?: z.input<typeof trainerConfigSchema>; cache?: string };

/**
 * The teacher: a registry model with `weights` (a trained model folder) or `train` (trained first, in the run
 * folder), or `{pretrained: id}`; either may read its maps from `cache` (built by `kdet cache build`).
 */
export const TeacherSchema = z.discriminatedUnion("type", [
  PretrainedTeacherSchema,
  ...(DETECTOR_IDS.map((id) =>
    modelOption(id, { train: trainerConfigSchema.optional(), cache: cacheOption }),
  ) as unknown as z.ZodObject[]),
] as unknown as [z.ZodObject, ...z.ZodObject[]]) as unknown as z.ZodType<
  PretrainedTeacherSection | ModelTeacherSection,
  { pretrained: TeacherId; cache?: string } | ModelTeacherInput
>;

/** Whether the teacher section is a pretrained teacher. */
export function isPretrained(
  t: PretrainedTeacherSection | ModelTeacherSection,
): t is PretrainedTeacherSection {
  return typeof (t as PretrainedTeacherSection).pretrained === "string";
}

/** A distillation term (`@kdet/losses` DistillTermConfig); `adapter: auto` adds 1×1 convs where channels differ. */
export const TermSchema = DistillTermConfig.extend({
  adapter: z.union([z.literal("auto"), AdapterConfig, z.array(AdapterConfig).min(1)]).optional(),
}).strict();

/**
 * A method preset (`kdet methods`): `{method: fgd}` fills the taps, adapters and every per-level channel setting from
 * the student's and the teacher's described maps; `weight` replaces every term's weight, `levels` the pyramid
 * levels (default p3–p5), `loss` adds or overrides loss settings (e.g. `{tau: 2}`) in every term of the preset.
 */
export const MethodTermSchema = z
  .object({
    method: z.enum(METHOD_IDS as [MethodId, ...MethodId[]]),
    weight: z.number().nonnegative().optional(),
    levels: z.array(z.string().regex(/^p\d$/, "a pyramid level such as p3")).min(1).optional(),
    loss: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
/** A method preset entry as validated. */
export type MethodTermSection = z.output<typeof MethodTermSchema>;

/** `distill`: terms and method presets; a single `{method: …}` object is read as a one-entry list. */
const DistillSchema = z.preprocess(
  (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v),
  z.array(z.union([TermSchema, MethodTermSchema])).default([]),
);

/** Whether a distill entry is a method preset. */
export function isMethodTerm(t: TermSection | MethodTermSection): t is MethodTermSection {
  return "method" in t;
}

/**
 * Semi-supervised training set: `data.train` (or the `labelledFraction` of it, the rest unlabelled) plus an optional
 * unlabelled source (any format with its labels ignored, or `{type: images, dir}`), mixed at `labelledRatio` per batch.
 * Unlabelled images get no detection loss (an image-level mask), every distillation term, and teacher pseudo-labels
 * with `train.pseudoLabels`.
 */
export const SemiSchema = z
  .object({
    /** Keep the labels of this share of data.train's images (seeded by `seed`); the others become unlabelled. */
    labelledFraction: z.number().gt(0).max(1).optional(),
    /** Seed of the labelled-fraction split (independent of data.seed, so the split stays put across runs). */
    seed: z.number().int().default(0),
    /** Extra unlabelled images: a dataset of any format (its labels are ignored) or `{type: images, dir}`. */
    unlabelled: DatasetSchema.optional(),
    /** Share of every batch that is labelled (absent: the images are shuffled together). */
    labelledRatio: z.number().gt(0).lt(1).optional(),
  })
  .strict();

/** Data: the splits, input size, batches and augmentation. */
export const DataSchema = z
  .object({
    /** Split the model learns from. */
    train: DatasetSchema,
    /** Split for validation during training (best checkpoint) and tuning. */
    val: DatasetSchema.optional(),
    /** Split the final numbers are reported on (default: val). */
    test: DatasetSchema.optional(),
    /** Network input side in pixels (images are letterboxed to it). */
    imageSize: z.number().int().min(32).max(2048).multipleOf(32).default(640),
    batchSize: z.number().int().min(1).max(1024).default(16),
    /** Seed of the data order and the augmentation draws. */
    seed: z.number().int().default(0),
    /** Training augmentation (`@kdet/data` AugmentSchema without size), or false for letterbox only. */
    augment: z.union([z.literal(false), AugmentSchema.omit({ size: true }).strict()]).prefault({}),
    /** Keep decoded images in memory between epochs. */
    cache: z.boolean().default(true),
    /** Semi-supervised training: labelled + unlabelled images (see `SemiSchema`). */
    semi: SemiSchema.optional(),
  })
  .strict();

/** Post-processing and the split of the final evaluation. */
export const EvalSchema = z
  .object({
    split: z.enum(["val", "test"]).optional(),
    scoreThreshold: z.number().min(0).max(1).default(0.001),
    iouThreshold: z.number().gt(0).max(1).default(0.7),
    maxDetections: z.number().int().min(1).max(10_000).default(300),
  })
  .strict();

/** Where and what a run writes. */
export const OutputSchema = z
  .object({
    /** Parent folder of run folders. */
    dir: z.string().min(1).default("runs"),
    /** Images with predictions shown in report.html. */
    samples: z.number().int().min(0).max(64).default(6),
  })
  .strict();

/** Backends `--backend` / `backend:` accept (defined beside `startBackend`, which needs no TensorFlow.js to import). */
export { BACKENDS };

/** A whole experiment. */
export const ExperimentSchema = z
  .object({
    /** Run folder name under output.dir (default: the config file's name). */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' (a folder name)")
      .optional(),
    backend: z.enum(BACKENDS).default("auto"),
    threads: z.number().int().min(1).max(256).optional(),
    data: DataSchema,
    model: ModelSchema,
    teacher: TeacherSchema.optional(),
    /** Distillation terms and method presets (`{method: fgd}`); empty for plain training. */
    distill: DistillSchema,
    train: trainerConfigSchema,
    eval: EvalSchema.default(EvalSchema.parse({})),
    output: OutputSchema.default(OutputSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.distill.length > 0 && !c.teacher)
      ctx.addIssue({
        code: "custom",
        path: ["teacher"],
        input: undefined,
        message: "distill terms need a teacher: {type, weights}, {type, train} or {pretrained: id}",
      });
    const t = c.teacher;
    if (t && !isPretrained(t) && !t.weights && !t.train)
      ctx.addIssue({
        code: "custom",
        path: ["teacher"],
        input: t,
        message:
          "a teacher needs `weights` (a model folder), `train` (a schedule to train it first), or is `{pretrained: id}` (allowed ids: " +
          TEACHER_IDS.join(", ") +
          ")",
      });
    if (t && !isPretrained(t) && t.cache && t.train)
      ctx.addIssue({
        code: "custom",
        path: ["teacher", "cache"],
        input: t.cache,
        message:
          "a teacher cache holds a fixed teacher's maps: use it with `weights` or `pretrained`, not with `train`",
      });
    if (t?.cache && c.data.augment !== false) {
      ctx.addIssue({
        code: "custom",
        path: ["data", "augment"],
        input: c.data.augment,
        message:
          "teacher.cache holds the teacher's maps of the un-augmented images (kdet cache build): set data.augment: false (the cache refuses any other input, checked by pixel hash)",
      });
    }
  });

/** A validated experiment with defaults applied. */
export type Experiment = z.output<typeof ExperimentSchema>;
/** An experiment as written in a config file. */
export type ExperimentInput = z.input<typeof ExperimentSchema>;
/** One split config. */
export type DatasetSplit = z.output<typeof DatasetSchema>;
/** One distillation term as configured. */
export type TermSection = z.output<typeof TermSchema>;

type JsonNode = { properties?: Record<string, JsonNode>; items?: JsonNode; anyOf?: JsonNode[] } & Record<
  string,
  unknown
>;

/**
 * `distill` as written may also be one preset object (`distill: {method: fgd}`), which the zod preprocess turns
 * into a list: the JSON Schema accepts that object beside the list.
 */
function withSinglePreset(schema: JsonNode): void {
  const distill = schema.properties?.distill;
  const preset = distill?.items?.anyOf?.find((o) => o.properties?.method !== undefined);
  if (!distill || !preset || !schema.properties) return;
  const { default: dflt, ...list } = distill;
  schema.properties.distill = { anyOf: [list, preset], ...(dflt !== undefined ? { default: dflt } : {}) };
}

/** JSON Schema (draft 2020-12) of the config file, for editor completion (`kdet config schema`). */
export function experimentJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(ExperimentSchema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  withDataShorthand(s);
  withSinglePreset(s as JsonNode);
  return { ...s, $id: "https://kdet.dev/schema/experiment.json", title: "kdet experiment config" };
}
