/**
 * Config schema of the `defeat` loss (`./defeat`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { renamedChannels } from "../channel-settings";

/**
 * Config of {@link createDefeat}. Defaults: the VOC decouple-neck config (fg weight 3, bg weight
 * 12), 5 FPN levels of 256 channels with strides 4…64.
 */
export const DefeatConfig = z
  .object({
    type: z.literal("defeat").default("defeat"),
    /** Foreground weight (`hint_neck_w`). */
    fgWeight: z.number().nonnegative().default(3),
    /** Background weight (`hint_neck_back_w`). */
    bgWeight: z.number().nonnegative().default(12),
    /** Teacher channels C_t of every level (adapt convs are C_t→C_t: the term's adapter maps the student to C_t). */
    teacherChannels: z.number().int().positive().default(256),
    ...renamedChannels,
    /** Strides of the levels, finest first (in input pixels); its length is the number of adapt convs. */
    strides: z.array(z.number().positive()).min(1).default([4, 8, 16, 32, 64]),
    /** Seed of the adapt convs' initial weights. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link DefeatConfig}. */
export type DefeatConfig = z.infer<typeof DefeatConfig>;
