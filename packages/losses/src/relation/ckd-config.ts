/**
 * Config schema of the `ckd` loss (`./ckd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { LevelChannels } from "../channel-settings";

/**
 * Config of {@link createCkd}. Open choices, with our defaults: τ = 0.07 (CRD), a shared linear
 * projector to 128 dimensions followed by L2 normalisation (CRD's embed head; shared so that the
 * student equal to the teacher gives equal embeddings), box-average pooling, all three negative
 * kinds, 8 background cells per image and level, weights 1 and 1.
 */
export const CkdConfig = z
  .object({
    type: z.literal("ckd").default("ckd"),
    /** Weight of the InfoNCE term. */
    contrastiveWeight: z.number().nonnegative().default(1),
    /** Weight of the feature-imitation term (mean squared error of aligned features). */
    imitationWeight: z.number().nonnegative().default(1),
    /** InfoNCE temperature τ. */
    tau: z.number().positive().default(0.07),
    /** Object feature: average of the box's cells (`roi`) or the centre cell (`center`). */
    pooling: z.enum(["roi", "center"]).default("roi"),
    /** `shared`: one trainable linear head for S and T; `separate`: one each; `none`: raw features. */
    projector: z.enum(["shared", "separate", "none"]).default("shared"),
    /** Embedding size of the projector(s). */
    projDim: z.number().int().positive().default(128),
    /** Negatives: the teacher embeddings of the other objects of the batch. */
    instanceNegatives: z.boolean().default(true),
    /** Negatives: this many teacher background cells (inside no GT box) per image and level. */
    backgroundPerLevel: z.number().int().nonnegative().default(8),
    /** Negatives: the teacher feature of the same box on every other image of the batch. */
    crossImageNegatives: z.boolean().default(true),
    /** Student channels (one number for every level, or one per level, finest first). */
    studentChannels: LevelChannels.optional(),
    /** Teacher channels (same form): sizes the projectors; a level with C_s ≠ C_t gets an align conv. */
    teacherChannels: LevelChannels.optional(),
    /** Seed of the adapters' initial weights and of the background draws. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link CkdConfig}. */
export type CkdConfig = z.infer<typeof CkdConfig>;
