/**
 * Config schema of the `dkd` loss (`./dkd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createDkd}. Defaults are mmrazor's class defaults: τ 4, α 1, β 8, `batchmean`,
 * weight 1 (its ImageNet config: τ 1, β 0.5, reduction `mean`).
 */
export const DkdConfig = z
  .object({
    type: z.literal("dkd").default("dkd"),
    tau: z.number().positive().default(4),
    alpha: z.number().nonnegative().default(1),
    beta: z.number().nonnegative().default(8),
    reduction: z.enum(["batchmean", "sum", "mean"]).default("batchmean"),
    /**
     * false (default) reproduces the reference: the legacy `size_average=False` makes torch sum, so
     * `batchmean` → Σ/N, `mean` → plain Σ, `sum` → Σ. true honours the name: `mean` divides TCKD by
     * N·2 and NCKD by N·C.
     */
    honourReduction: z.boolean().default(false),
    /**
     * `ctx.gtLabels` value C (one past the last class) on dense detector maps: `"error"` (default, the reference
     * has one class per row) or `"skip"`: a background row has no target class and contributes nothing.
     */
    background: z.enum(["error", "skip"]).default("error"),
  })
  .strict();
/** Parsed {@link DkdConfig}. */
export type DkdConfig = z.infer<typeof DkdConfig>;
