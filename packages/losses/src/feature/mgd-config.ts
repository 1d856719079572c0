/**
 * Config schema of the `mgd` loss (`./mgd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createMgd}. Defaults: RetinaNet configs of yzd-v/MGD / mmrazor (α 2e-5,
 * λ 0.65; two-stage: α 5e-7, λ 0.45), spatial mask, 256 channels.
 */
export const MgdConfig = z
  .object({
    type: z.literal("mgd").default("mgd"),
    /** α_mgd: loss weight. */
    alphaMgd: z.number().nonnegative().default(2e-5),
    /** λ_mgd: fraction of masked positions. */
    lambdaMgd: z.number().min(0).max(1).default(0.65),
    /** Mask channels (`[N,1,1,C]`, mmrazor option) instead of positions (`[N,H,W,1]`). */
    maskOnChannel: z.boolean().default(false),
    /** Teacher channels C. */
    teacherChannels: z.number().int().positive().default(256),
    /** Student channels; a 1×1 align conv C_s→C is built when it differs from C. */
    studentChannels: z.number().int().positive().optional(),
    /** Seed of the adapters' initial weights and of the mask draws when `ctx.rand` is absent. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link MgdConfig}. */
export type MgdConfig = z.infer<typeof MgdConfig>;
