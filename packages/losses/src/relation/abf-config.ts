/**
 * Config schema of the `abf` loss (`./abf`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { renamedInOut } from "../channel-settings";

/**
 * Config of {@link createAbf}. Channel lists are required (detection reference: 256 for each of
 * p2–p6); defaults: mid 256, pools (4, 2, 1), weight 1.
 */
export const AbfConfig = z
  .object({
    type: z.literal("abf").default("abf"),
    /** Student channels per level, shallow → deep. */
    studentChannels: z.array(z.number().int().positive()).min(1),
    /** Teacher channels per level. */
    teacherChannels: z.array(z.number().int().positive()).min(1),
    ...renamedInOut,
    midChannel: z.number().int().positive().default(256),
    /** BatchNorm eps (PyTorch default). */
    bnEps: z.number().positive().default(1e-5),
    poolSizes: z.array(z.number().int().positive()).default([4, 2, 1]),
    /** Seed of the ABF weight init. */
    seed: z.number().int().default(0),
  })
  .strict()
  .refine((c) => c.studentChannels.length === c.teacherChannels.length, {
    message: "studentChannels and teacherChannels need one entry per level",
  });
/** Parsed {@link AbfConfig}. */
export type AbfConfig = z.infer<typeof AbfConfig>;
