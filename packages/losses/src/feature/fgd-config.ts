/**
 * Config schema of the `fgd` loss (`./fgd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createFgd}. Defaults: the RetinaNet/GFL configs of yzd-v/FGD (temp 0.5,
 * α 1e-3, β 5e-4, γ 5e-4, λ 5e-6; FCOS uses temp 0.8 and 1.6e-3/8e-4/8e-4/8e-6, Faster R-CNN
 * 5e-5/2.5e-5/5e-5/5e-7), 256 FPN channels.
 */
export const FgdConfig = z
  .object({
    type: z.literal("fgd").default("fgd"),
    /** Attention temperature. */
    temp: z.number().positive().default(0.5),
    /** α: weight of the foreground feature loss. */
    alphaFgd: z.number().nonnegative().default(1e-3),
    /** β: weight of the background feature loss. */
    betaFgd: z.number().nonnegative().default(5e-4),
    /** γ: weight of the attention (mask) loss. */
    gammaFgd: z.number().nonnegative().default(5e-4),
    /** λ: weight of the global relation loss. */
    lambdaFgd: z.number().nonnegative().default(5e-6),
    /** Teacher channels C (GcBlocks work on C). */
    teacherChannels: z.number().int().positive().default(256),
    /** Student channels; a 1×1 align conv C_s→C is built when it differs from C. */
    studentChannels: z.number().int().positive().optional(),
    /** Seed of the adapters' initial weights. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link FgdConfig}. */
export type FgdConfig = z.infer<typeof FgdConfig>;
