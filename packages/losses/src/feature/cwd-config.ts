/**
 * Config schema of the `cwd` loss (`./cwd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createCwd}. Defaults: τ = 1, KL form. The reference's loss weight (10 per FPN
 * level in mmrazor's `cwd_fpn_*` detection configs; class default 1) is the registry's
 * `defaultWeight` 10, applied by the distiller term.
 */
export const CwdConfig = z
  .object({
    type: z.literal("cwd").default("cwd"),
    /** Temperature τ (> 0). */
    tau: z.number().positive().default(1),
    /**
     * `kl`: Σ p_T (log p_T − log p_S) (mmrazor; 0 for identical inputs). `cross_entropy`:
     * Σ −p_T log p_S (authors' code: same gradient, value offset by the teacher entropy).
     */
    form: z.enum(["kl", "cross_entropy"]).default("kl"),
  })
  .strict();
/** Parsed {@link CwdConfig}. */
export type CwdConfig = z.infer<typeof CwdConfig>;
