/**
 * Config schema of the `hcl` loss (`./hcl`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/** Config of {@link createHcl}. Defaults: ReviewKD detection (pools 4, 2, 1; weight 1). */
export const HclConfig = z
  .object({
    type: z.literal("hcl").default("hcl"),
    /** Pooled sizes, in order; a size l is skipped when l ≥ H (height only, as the reference). */
    poolSizes: z.array(z.number().int().positive()).min(0).default([4, 2, 1]),
  })
  .strict();
/** Parsed {@link HclConfig}. */
export type HclConfig = z.infer<typeof HclConfig>;
