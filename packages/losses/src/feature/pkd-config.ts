/**
 * Config schema of the `pkd` loss (`./pkd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createPkd}. Defaults: resize the student. The loss weight (6 in mmrazor's Faster
 * R-CNN PKD config; RetinaNet uses 10, the class default is 1) is the registry's `defaultWeight` 6.
 */
export const PkdConfig = z
  .object({
    type: z.literal("pkd").default("pkd"),
    /** When heights differ, resize the student to the teacher (else the teacher to the student). */
    resizeStu: z.boolean().default(true),
  })
  .strict();
/** Parsed {@link PkdConfig}. */
export type PkdConfig = z.infer<typeof PkdConfig>;
