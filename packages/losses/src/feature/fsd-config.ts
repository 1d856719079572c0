/**
 * Config schema of the `fsd` loss (`./fsd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createFsd}. Defaults: every `fg_bgLoss` config of the authors (temp 0.5,
 * γ 0.001, λ 1e-5, 256 teacher channels). Their α 0.002 and β 0.001 are never applied by the
 * reference and are therefore not options.
 */
export const FsdConfig = z
  .object({
    type: z.literal("fsd").default("fsd"),
    /** Temperature of the spatial and channel attention (the KL itself runs at temperature 1). */
    temp: z.number().positive().default(0.5),
    /** γ: weight of the attention (mask) loss. */
    gamma: z.number().nonnegative().default(0.001),
    /** λ: weight of the relation (GcBlock) loss. */
    lambda: z.number().nonnegative().default(1e-5),
    /** Teacher channels C (the GcBlocks work on C; the authors' YOLOX-L PAFPN: 256). */
    teacherChannels: z.number().int().positive().default(256),
    /** Student channels; a 1×1 align conv C_s→C (with bias) is built when it differs from C. */
    studentChannels: z.number().int().positive().optional(),
    /** Seed of the trainable parts' initial weights. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link FsdConfig}. */
export type FsdConfig = z.infer<typeof FsdConfig>;
