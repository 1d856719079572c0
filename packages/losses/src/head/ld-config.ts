/**
 * Config schema of the `ld` loss (`./ld`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createLd}. Defaults: the LD / mmdetection GFL-R101→R18 config (T 10); its loss
 * weight 0.25 is the registry's `defaultWeight`.
 */
export const LdConfig = z
  .object({
    type: z.literal("ld").default("ld"),
    /** Temperature T. */
    tau: z.number().positive().default(10),
    /** DFL bins per side minus one (GFL: 16 → 17 bins). */
    regMax: z.number().int().positive().default(16),
    /** Constant divisor of the summed loss (the head passes 4; no eps, mmdet-2.x reducer). */
    avgFactor: z.number().positive().default(4),
    /**
     * `mean` (default) averages the KL over the bins as the reference does (1/(regMax+1) of the true
     * KL); `sum` is the true per-side KL (LD issue #74), regMax+1 times larger.
     */
    binReduction: z.enum(["mean", "sum"]).default("mean"),
  })
  .strict();
/** Parsed {@link LdConfig}. */
export type LdConfig = z.infer<typeof LdConfig>;
