/**
 * Config schema of the `qfl-kd` loss (`./qfl-kd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/** Config of {@link createQflKd}. Defaults: CrossKD (β 1; its weight 1 is the distiller term's weight). */
export const QflKdConfig = z
  .object({
    type: z.literal("qfl-kd").default("qfl-kd"),
    /** Focal exponent β on |σ(s) − σ(t)|. */
    beta: z.number().positive().default(1),
  })
  .strict();
/** Parsed {@link QflKdConfig}. */
export type QflKdConfig = z.infer<typeof QflKdConfig>;
