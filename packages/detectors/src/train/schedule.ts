import { z } from "zod";

/** Learning-rate schedule config: shape after warmup, and the warmup itself (ultralytics-style). */
export const scheduleSchema = z
  .object({
    /** cosine: lrf + (1−lrf)·(1+cos πp)/2; linear: 1 − (1−lrf)·p; step: γ^(milestones passed); constant: 1. */
    type: z.enum(["cosine", "linear", "step", "constant"]).default("cosine"),
    /** Final learning-rate fraction (cosine, linear). */
    lrf: z.number().min(0).max(1).default(0.01),
    /** Step schedule: steps at which the rate is multiplied by `gamma`. */
    milestones: z.array(z.number().int().positive()).default([]),
    gamma: z.number().positive().default(0.1),
    /** Warmup length in optimizer steps (0 = none). */
    warmupSteps: z.number().int().min(0).default(0),
    /** Bias learning rate at step 0 of the warmup (ultralytics `warmup_bias_lr` 0.1); weights start at 0. */
    warmupBiasLr: z.number().min(0).default(0.1),
    /** SGD momentum at step 0 of the warmup (ultralytics `warmup_momentum` 0.8). */
    warmupMomentum: z.number().min(0).max(1).default(0.8),
  })
  .strict();
/** A resolved schedule config. */
export type ScheduleConfig = z.output<typeof scheduleSchema>;
/** A schedule config as written (defaults optional). */
export type ScheduleConfigInput = z.input<typeof scheduleSchema>;

/** Learning rates and momentum of one optimizer step. */
export interface StepRates {
  /** Learning rate of weights and norm parameters. */
  lr: number;
  /** Learning rate of biases (differs during warmup). */
  biasLr: number;
  /** SGD momentum (ramps during warmup). */
  momentum: number;
}

/** Multiplier of the base learning rate at `step` of `totalSteps` (without warmup). */
export function scheduleFactor(s: ScheduleConfig, step: number, totalSteps: number): number {
  const p = totalSteps > 1 ? Math.min(step / (totalSteps - 1), 1) : 0;
  switch (s.type) {
    case "cosine":
      return s.lrf + (1 - s.lrf) * 0.5 * (1 + Math.cos(Math.PI * p));
    case "linear":
      return 1 - (1 - s.lrf) * p;
    case "step":
      return s.gamma ** s.milestones.filter((m) => step >= m).length;
    case "constant":
      return 1;
  }
}

/**
 * Rates of optimizer step `step` (0-based): base·factor(step), and during the first `warmupSteps`
 * steps a linear ramp (ultralytics `np.interp` over [0, warmup]): weights from 0, biases from
 * `warmupBiasLr`, momentum from `warmupMomentum` to `momentum`.
 */
export function stepRates(
  s: ScheduleConfig,
  baseLr: number,
  momentum: number,
  step: number,
  totalSteps: number,
): StepRates {
  const lr = baseLr * scheduleFactor(s, step, totalSteps);
  if (step >= s.warmupSteps) return { lr, biasLr: lr, momentum };
  const t = step / s.warmupSteps;
  return {
    lr: t * lr,
    biasLr: s.warmupBiasLr + t * (lr - s.warmupBiasLr),
    momentum: s.warmupMomentum + t * (momentum - s.warmupMomentum),
  };
}
