/**
 * Config schema of the `confidence` loss (`./confidence`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { LevelChannels } from "../channel-settings";
import { ScoreKind } from "./score-kind";

/**
 * Config of {@link createConfidence}. Open choices, with our defaults:
 * - confidence = max over classes of the teacher's probabilities (× objectness when given);
 * - `threshold` 0.3 (mmdetection's default visualisation score threshold) selects the region,
 *   `gamma` 1 weights it by `c^γ` (soft, so confident locations count more);
 * - head soft labels on every location with QFL's modulation `|σ(s) − q|^β`, β = 1 (CrossKD),
 *   normalised by the number of selected locations (QFL-KD's Σ/N_pos, pseudo-positives here);
 * - the localisation term off (`boxWeight` 0), so the loss needs no box maps unless asked.
 */
export const ConfidenceConfig = z
  .object({
    type: z.literal("confidence").default("confidence"),
    /** Weight of the confidence-weighted feature imitation. */
    featureWeight: z.number().nonnegative().default(1),
    /** Weight of the head soft-label term (0: no student logits needed). */
    headWeight: z.number().nonnegative().default(1),
    /** Locations with confidence below this are not distilled (feature term). */
    threshold: z.number().min(0).max(1).default(0.3),
    /** Exponent γ of the confidence weight `c^γ` (0: a plain selection mask). */
    gamma: z.number().nonnegative().default(1),
    /**
     * Weight of the localisation term: the KL of the student's box distributions (DFL bins) to the teacher's at the
     * confident locations, weighted as the feature term (0: off, no box maps needed).
     */
    boxWeight: z.number().nonnegative().default(0),
    /** Temperature τ of the box-distribution softmax (the term is scaled by τ²). */
    boxTau: z.number().positive().default(1),
    /** Focal exponent β of the soft-label term (0 disables the modulation). */
    headBeta: z.number().nonnegative().default(1),
    /** Whether `ctx.teacherScores` / `teacherObjectness` are probabilities or logits. */
    scoreKind: ScoreKind.default("probabilities"),
    /** Student channels (one number for every level, or one per level); for the align convs. */
    studentChannels: LevelChannels.optional(),
    /** Teacher channels (same form); a level whose counts differ gets a 1×1 align conv. */
    teacherChannels: LevelChannels.optional(),
    /** Seed of the align convs' initial weights. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link ConfidenceConfig}. */
export type ConfidenceConfig = z.infer<typeof ConfidenceConfig>;
