/**
 * Config schema of the `pgd` loss (`./pgd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createPgd}. Defaults: the ATSS R101→R50 config at P3. The reference's per-level
 * `loss_weight` (1 at P3; 1.25…2 for P4…P7) multiplies only α and β of the cls branch: fold it into
 * `alpha`/`beta` (e.g. 1.5 → alpha 0.12, beta 0.06).
 */
export const PgdConfig = z
  .object({
    type: z.literal("pgd").default("pgd"),
    /** Which head branch: `cls` (PGDClsLoss, fg/bg masks) or `reg` (PGDRegLoss, fg weights). */
    branch: z.enum(["cls", "reg"]).default("cls"),
    /** Spatial-attention temperature (cls). */
    tempS: z.number().positive().default(0.8),
    /** Channel-attention temperature (cls `temp_c`; reg `temp`). */
    tempC: z.number().positive().default(0.8),
    alpha: z.number().nonnegative().default(0.08),
    beta: z.number().nonnegative().default(0.04),
    /** Reg feature-term weight (1.6 × 0.08). */
    gamma: z.number().nonnegative().default(0.128),
    delta: z.number().nonnegative().default(0.0008),
    /**
     * cls only. `reference` (default) reproduces PGD's broadcasting bug: every image's features are
     * weighted by every image's mask, then ÷N; `per-image` applies each mask to its own image.
     */
    maskMode: z.enum(["reference", "per-image"]).default("reference"),
  })
  .strict();
/** Parsed {@link PgdConfig}. */
export type PgdConfig = z.infer<typeof PgdConfig>;
