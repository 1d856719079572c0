/** Test-only helper of the export tests: non-trivial normalisation parameters. */
import * as tf from "@tensorflow/tfjs-core";
import type { Module, Rng } from "@kdet/core";
import { Scale } from "../heads/tower";
import { BatchNorm } from "../nn/batch-norm";
import { GroupNorm } from "../nn/group-norm";

/**
 * Gives every BatchNorm running statistics and affine parameters far from their init (μ ~ N(0, 0.3²),
 * σ² ~ U(0.3, 2), γ ~ U(0.5, 1.5), β ~ N(0, 0.2²)), every GroupNorm γ/β and every Scale a non-unit
 * value, so that a wrong folding or a missed parameter changes the outputs.
 */
export function perturbNorms(root: Module<never, unknown>, rng: Rng): void {
  const mods = (root as unknown as Module<unknown, unknown>).modules().values();
  tf.tidy(() => {
    for (const m of mods) {
      if (m instanceof BatchNorm) {
        const c = m.channels;
        m.runningMean.assign(rng.normalTensor([c], 0, 0.3) as tf.Tensor1D);
        m.runningVar.assign(rng.uniformTensor([c], 0.3, 2) as tf.Tensor1D);
        m.gamma.assign(rng.uniformTensor([c], 0.5, 1.5) as tf.Tensor1D);
        m.beta.assign(rng.normalTensor([c], 0, 0.2) as tf.Tensor1D);
      } else if (m instanceof GroupNorm) {
        m.gamma.assign(rng.uniformTensor([m.channels], 0.5, 1.5) as tf.Tensor1D);
        m.beta.assign(rng.normalTensor([m.channels], 0, 0.2) as tf.Tensor1D);
      } else if (m instanceof Scale) {
        m.scale.assign(tf.scalar(0.7 + 0.6 * rng.uniform()));
      }
    }
  });
}
