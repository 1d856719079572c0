/**
 * Config schema of the `fgfi` loss (`./fgfi`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createFgfi}. Defaults: the reference (stride 16, base 16, ratios 0.5/1/2,
 * scales 2/4/8, ψ 0.5, VGG 512 channels); its imitation weight 0.01 is the registry's `defaultWeight`.
 */
export const FgfiConfig = z
  .object({
    type: z.literal("fgfi").default("fgfi"),
    /** ψ: a cell imitates when one of its anchors has IoU > ψ·(max IoU of the gt). */
    psi: z.number().min(0).max(1).default(0.5),
    /** Feature stride in input pixels (anchor shift per cell). */
    featStride: z.number().positive().default(16),
    anchorBaseSize: z.number().positive().default(16),
    anchorRatios: z.array(z.number().positive()).min(1).default([0.5, 1, 2]),
    anchorScales: z.array(z.number().positive()).min(1).default([2, 4, 8]),
    /** Explicit base anchors (flat `A*4` xyxy), overriding the generated ones. */
    baseAnchors: z.array(z.number()).optional(),
    studentChannels: z.number().int().positive().default(512),
    teacherChannels: z.number().int().positive().default(512),
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link FgfiConfig}. */
export type FgfiConfig = z.infer<typeof FgfiConfig>;
