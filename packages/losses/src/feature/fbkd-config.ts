/**
 * Config schema of the `fbkd` loss (`./fbkd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { renamedChannels } from "../channel-settings";

/**
 * Config of {@link createFbkd}. Defaults: mmrazor's FBKD class/config (256 channels, dot product,
 * sub-sampling, reduction 2, max-pool stride 2 — the config uses 4/8 on levels 0/1 — T_sp = T_ch
 * = 0.5, term weights 7e-5 / 4e-3 / 4e-3 / 7e-5, loss weight 1 = the registry's `defaultWeight`).
 */
export const FbkdConfig = z
  .object({
    type: z.literal("fbkd").default("fbkd"),
    /** Teacher channels C_t (the student must have them too: the term's adapter maps it to C_t). */
    teacherChannels: z.number().int().positive().default(256),
    ...renamedChannels,
    reduction: z.number().int().positive().default(2),
    mode: z.enum(["dot_product", "embedded_gaussian"]).default("dot_product"),
    subSample: z.boolean().default(true),
    maxpoolStride: z.number().int().positive().default(2),
    /** Temperature of the spatial attention mask. */
    spatialT: z.number().positive().default(0.5),
    /** Temperature of the channel mask (computed but unused by the reference; kept for parity). */
    channelT: z.number().positive().default(0.5),
    maskL2Weight: z.number().nonnegative().default(7e-5),
    channelWeight: z.number().nonnegative().default(4e-3),
    spatialWeight: z.number().nonnegative().default(4e-3),
    nonlocalWeight: z.number().nonnegative().default(7e-5),
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link FbkdConfig}. */
export type FbkdConfig = z.infer<typeof FbkdConfig>;
