import type { Module } from "@kdet/core";
import { BatchNorm } from "./batch-norm";

/**
 * Puts every BatchNorm under `root` (root included) into training (`true`: batch statistics,
 * running-statistics update) or inference mode (`false`: running statistics), like PyTorch's
 * `model.train()` / `model.eval()`.
 */
export function setTraining(root: Module<never, unknown>, training: boolean): void {
  for (const m of batchNorms(root)) m.training = training;
}

/** True when any BatchNorm under `root` (root included) is in training mode. */
export function isTraining(root: Module<never, unknown>): boolean {
  return batchNorms(root).some((m) => m.training);
}

/** Overrides eps and/or momentum of every BatchNorm under `root` (e.g. a faster momentum for very short runs). */
export function configureBatchNorm(
  root: Module<never, unknown>,
  opts: { eps?: number; momentum?: number },
): void {
  for (const m of batchNorms(root)) {
    if (opts.eps !== undefined) m.eps = opts.eps;
    if (opts.momentum !== undefined) m.momentum = opts.momentum;
  }
}

/** Every BatchNorm under `root`, root included. */
function batchNorms(root: Module<never, unknown>): BatchNorm[] {
  const r = root as unknown as Module<unknown, unknown>;
  return [r, ...r.modules().values()].filter((m): m is BatchNorm => m instanceof BatchNorm);
}
