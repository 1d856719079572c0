/** How a teacher's class scores are given to the `confidence` and `adaptive` losses (free of TensorFlow.js). */
import { z } from "zod";

/** How the teacher's scores are given: sigmoid probabilities in [0,1], or raw logits. */
export const ScoreKind = z.enum(["probabilities", "logits"]);
/** Parsed {@link ScoreKind}. */
export type ScoreKind = z.infer<typeof ScoreKind>;
