/**
 * Config schema of the `adaptive` loss (`./adaptive`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { ScoreKind } from "./score-kind";

/**
 * Config of {@link createAdaptive}. Open choices, with our defaults: samples are locations,
 * teacher hardness = normalised binary entropy (uncertainty) of its least certain class, student
 * hardness = largest |σ(s) − q| over classes, mixed half-half (`mix` 0.5), balance 0.5 between a
 * uniform weight and the hardness (`balance`), γ = 1, weights detached.
 */
export const AdaptiveConfig = z
  .object({
    type: z.literal("adaptive").default("adaptive"),
    /** ρ ∈ [0,1]: 0 = every sample weighs the same (easy = hard), 1 = weight is the hardness alone. */
    balance: z.number().min(0).max(1).default(0.5),
    /** λ ∈ [0,1]: 0 = teacher hardness only, 1 = student (imitation) hardness only. */
    mix: z.number().min(0).max(1).default(0.5),
    /** γ ≥ 0: focusing exponent on the hardness (> 1 concentrates on the hardest samples). */
    gamma: z.number().nonnegative().default(1),
    /**
     * Teacher hardness of a location: `entropy` = max_k H_b(q_k)/ln 2 (uncertain about some
     * class; confident background is easy), `confidence` = 1 − max_k q_k (low top score).
     */
    teacherHardness: z.enum(["entropy", "confidence"]).default("entropy"),
    /** What a sample is: a location of the dense head, or a whole image (mean hardness). */
    sampleUnit: z.enum(["location", "image"]).default("location"),
    /** Whether the teacher input is sigmoid probabilities or logits. */
    scoreKind: ScoreKind.default("probabilities"),
  })
  .strict();
/** Parsed {@link AdaptiveConfig}. */
export type AdaptiveConfig = z.infer<typeof AdaptiveConfig>;
