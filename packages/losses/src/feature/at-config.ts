/**
 * Config schema of the `at` loss (`./at`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/** Config of {@link createAt}. Defaults are the paper's: p = 2, β = 1000 (loss = β/2 · Σ levels). */
export const AtConfig = z
  .object({
    type: z.literal("at").default("at"),
    /** Exponent p of the attention map `mean_c |F|^p`. */
    p: z.number().positive().default(2),
  })
  .strict();
/** Parsed {@link AtConfig}. */
export type AtConfig = z.infer<typeof AtConfig>;
