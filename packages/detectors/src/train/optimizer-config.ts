/** Optimizer settings (zod), free of TensorFlow.js (read by `@kdet/detectors/config`); the optimizers are in `./optimizers`. */
import { z } from "zod";

/** SGD settings (PyTorch `torch.optim.SGD`; defaults as ultralytics: momentum 0.937, nesterov, decay 5e-4). */
export const sgdSchema = z
  .object({
    type: z.literal("sgd"),
    lr: z.number().positive().default(0.01),
    momentum: z.number().min(0).max(1).default(0.937),
    nesterov: z.boolean().default(true),
    weightDecay: z.number().min(0).default(5e-4),
  })
  .strict();

/** AdamW settings (PyTorch `torch.optim.AdamW`, Loshchilov & Hutter, ICLR 2019). */
export const adamwSchema = z
  .object({
    type: z.literal("adamw"),
    lr: z.number().positive().default(0.001),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    eps: z.number().positive().default(1e-8),
    weightDecay: z.number().min(0).default(0.01),
  })
  .strict();

/** Optimizer config (discriminated by `type`). */
export const optimizerSchema = z.discriminatedUnion("type", [sgdSchema, adamwSchema]);
/** A resolved optimizer config. */
export type OptimizerConfig = z.output<typeof optimizerSchema>;
/** An optimizer config as written (defaults optional). */
export type OptimizerConfigInput = z.input<typeof optimizerSchema>;
