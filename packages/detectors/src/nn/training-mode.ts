import { Module } from "@kdet/core";
import { BatchNorm } from "./batch-norm";

/**
 * Puts every BatchNorm under `root` (root included) into training (`true`: batch statistics,
 * running-statistics update) or inference mode (`false`: running statistics), like PyTorch's
 * `model.train()` / `model.eval()`.
 */
export function setTraining(root: Module<never, unknown>, training: boolean): void {
  const all = [root as unknown as Module<unknown, unknown>, ...(root as unknown as Module<unknown, unknown>).modules().values()];
  for (const m of all) if (m instanceof BatchNorm) m.training = training;
}
