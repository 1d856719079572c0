/**
 * Config schema of the `score-l2` loss (`./score-l2`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { renamedInOut } from "../channel-settings";

/**
 * Config of {@link createScoreL2}. Defaults: ultralytics (`mlp` projector). Its weight 6.0 (the `dis`
 * gain of its default.yaml as read in a YOLO26-era copy) is the registry's `defaultWeight`.
 */
export const ScoreL2Config = z
  .object({
    type: z.literal("score-l2").default("score-l2"),
    /** Student channels C_s. */
    studentChannels: z.number().int().positive(),
    /** Teacher channels C_t. */
    teacherChannels: z.number().int().positive(),
    ...renamedInOut,
    /** `mlp`: conv1×1 → ReLU → conv1×1 (ultralytics); `conv`: one conv1×1; `none`: identity (needs equal channels). */
    projector: z.enum(["mlp", "conv", "none"]).default("mlp"),
    seed: z.number().int().default(0),
  })
  .strict()
  .refine((c) => c.projector !== "none" || c.studentChannels === c.teacherChannels, {
    message: "projector 'none' needs studentChannels = teacherChannels",
  });
/** Parsed {@link ScoreL2Config}. */
export type ScoreL2Config = z.infer<typeof ScoreL2Config>;
