/**
 * Config schema of the `kd` loss (`./kd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createKd}. Defaults are mmrazor's: τ = 1, reduction `batchmean`; its weight 1 (the
 * ImageNet R34→R18 config uses 3) is the distiller term's weight.
 */
export const KdConfig = z
  .object({
    type: z.literal("kd").default("kd"),
    /** Temperature τ (> 0). */
    tau: z.number().positive().default(1),
    /** `batchmean` = Σ/N (N = dim 0 only), `sum` = Σ, `mean` = Σ/numel. */
    reduction: z.enum(["batchmean", "sum", "mean"]).default("batchmean"),
  })
  .strict();
/** Parsed {@link KdConfig}. */
export type KdConfig = z.infer<typeof KdConfig>;
