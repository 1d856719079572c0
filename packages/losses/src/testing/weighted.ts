/**
 * Test-only: a loss scaled by a weight, the way a distiller term applies its `weight` (total and
 * every part multiplied), so golden files whose reference multiplies by its own `loss_weight` are
 * checked at that weight. Not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { DistillLoss, LossResult } from "../types";

/** `loss` with `compute` returning `weight ·` total and parts; other members (adapters, variables) unchanged. */
export function weighted<L extends DistillLoss>(loss: L, weight: number): L {
  const scaled: Pick<DistillLoss, "compute"> = {
    compute(student, teacher, ctx): LossResult {
      return tf.tidy(() => {
        const r = loss.compute(student, teacher, ctx);
        const parts = Object.fromEntries(
          Object.entries(r.parts).map(([k, v]) => [k, tf.mul(v, weight) as tf.Scalar]),
        );
        return { total: tf.mul(r.total, weight) as tf.Scalar, parts };
      });
    },
  };
  return Object.assign(Object.create(loss) as L, scaled);
}
