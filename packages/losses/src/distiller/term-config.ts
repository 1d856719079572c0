/**
 * The config of one distillation term of the `Distiller` (and of its optional student adapter), free of
 * TensorFlow.js so that `@kdet/losses/config` validates and describes distiller configs without loading it.
 */
import { z } from "zod";
import { LossConfigSchema } from "../loss-meta";

/** A trainable conv applied to the student feature before the loss (mmrazor's connector). */
export const AdapterConfig = z
  .object({
    inChannels: z.number().int().positive(),
    outChannels: z.number().int().positive(),
    kernelSize: z.union([z.literal(1), z.literal(3)]).default(1),
    relu: z.boolean().default(false),
    bias: z.boolean().default(true),
  })
  .strict();

/**
 * One distillation term. `student` / `teacher` are feature names, expanded per level by
 * `neck.p{3..5}` or `neck.{level}` + `levels` (each level gets its own loss instance and adapter;
 * multi-level families such as `abf` get one instance and per-level arrays). `ctxFrom` maps a
 * loss-context key to a feature (`"student:<name>"` / `"teacher:<name>"`, expanded the same way),
 * e.g. `{ studentCls: "student:head.cls.{level}" }` for `ld` (a name without placeholder or range
 * serves every level). `"targets:<name>"` reads a map of `ctx.targets`: dense training targets the caller
 * computes from the ground truth (the kdet trainer: `assigned.<level>`, `fg.<level>`, `bg.<level>`). Parts are named `<name>/<label>`
 * (`name` defaults to the loss type). `align: "resize"` resizes each teacher map (and each 4-D teacher-side
 * `ctxFrom` map) to the student map's spatial size before the loss, for teachers of another stride or input
 * size: integer downsampling by average pooling, otherwise bilinear with half-pixel centres (`alignSpatial`).
 */
export const DistillTermConfig = z
  .object({
    name: z.string().min(1).optional(),
    /** One loss config, or one per expanded level (same `type`; e.g. per-level channel counts). */
    loss: z.union([LossConfigSchema, z.array(LossConfigSchema).min(1)]),
    /**
     * The term's weight, the only weight of a term: `total += weight · loss`. Default: the loss'
     * registry `defaultWeight` (the reference's loss weight, e.g. 10 for cwd).
     */
    weight: z.number().nonnegative().optional(),
    student: z.string().min(1),
    teacher: z.string().min(1),
    levels: z.array(z.string().min(1)).min(1).optional(),
    /** A student adapter, or one per expanded level (e.g. per-level channel counts). */
    adapter: z.union([AdapterConfig, z.array(AdapterConfig).min(1)]).optional(),
    ctxFrom: z
      .record(
        z.string(),
        z
          .string()
          .regex(
            /^(student|teacher|targets):.+$/,
            "must be 'student:<name>', 'teacher:<name>' or 'targets:<name>'",
          ),
      )
      .optional(),
    /** `"resize"`: resize teacher maps to the student's H×W before the loss (see `alignSpatial`); default: sizes must match. */
    align: z.enum(["resize"]).optional(),
  })
  .strict();
/** A parsed term. */
export type DistillTermConfig = z.output<typeof DistillTermConfig>;
/** A term as written by a user. */
export type DistillTermConfigInput = z.input<typeof DistillTermConfig>;
