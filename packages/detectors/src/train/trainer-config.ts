/**
 * The trainer's settings (zod), free of TensorFlow.js so that `@kdet/detectors/config` validates experiment
 * configs without loading it; the loop is in `./trainer`.
 */
import { z } from "zod";
import { optimizerSchema } from "./optimizer-config";
import { scheduleSchema } from "./schedule";

/** Trainer settings (zod-validated; defaults follow ultralytics where it has one). */
export const trainerConfigSchema = z
  .object({
    epochs: z.number().int().positive(),
    optimizer: optimizerSchema,
    schedule: scheduleSchema.default(scheduleSchema.parse({})),
    /** EMA of the weights (validated and kept as "best"), or false. */
    ema: z
      .union([
        z.literal(false),
        z
          .object({
            decay: z.number().min(0).max(1).default(0.9999),
            tau: z.number().positive().default(2000),
          })
          .strict(),
      ])
      .default({ decay: 0.9999, tau: 2000 }),
    /** Global gradient-norm clip (ultralytics: 10). */
    clipNorm: z.number().positive().default(10),
    /** Validate every this many epochs (and after the last); 0 = never. */
    valEvery: z.number().int().min(0).default(1),
    /** Also write `last.ckpt` every this many steps (0 = only at epoch ends). */
    checkpointEvery: z.number().int().min(0).default(50),
    /** Metric that selects `best.ckpt`. */
    bestMetric: z.enum(["mAP", "AP50"]).default("mAP"),
    /**
     * Weight of the student's own detection loss (its parts are scaled by it). 0: the labels are not used and the
     * student learns from the distillation terms alone (distillation on unlabeled images); needs a teacher.
     */
    detectionWeight: z.number().min(0).default(1),
    /**
     * Teacher pseudo-labels for the unlabelled images of a semi-supervised set (`labelled: false` batch items): the
     * teacher's detections with score ≥ `threshold` (in the augmented batch's pixels) become their targets, trained
     * with the student's detection loss × `weight`; an unlabelled image without a detection above the threshold is
     * trained as background (as in Unbiased Teacher). Needs a teacher that returns detections with the student's
     * classes: a kdet detector, a pretrained model of the same classes, or a teacher cache built with detections
     * (a cache holds un-augmented letterboxed inputs, which the run must then use too, so the boxes still match).
     */
    pseudoLabels: z
      .object({ threshold: z.number().gt(0).max(1), weight: z.number().min(0).default(1) })
      .strict()
      .optional(),
  })
  .strict();
/** A resolved trainer config. */
export type TrainerConfig = z.output<typeof trainerConfigSchema>;
/** A trainer config as written (defaults optional). */
export type TrainerConfigInput = z.input<typeof trainerConfigSchema>;
