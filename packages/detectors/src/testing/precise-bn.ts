/** Test-only: "precise BN" before validating a short training run (see {@link recomputeBnStatistics}). */
import type { BatchLoader } from "@kdet/data";
import * as tf from "@tensorflow/tfjs-core";
import type { Detector } from "../detector";
import { configureBatchNorm, setTraining } from "../nn/training-mode";
import { batchImages } from "../train/batch-tensors";

/** Copies of the training batch in the statistics pass: ≥ 64 values per channel even on 2×2 maps. */
const BN_REPEATS = 8;

/**
 * Sets every BatchNorm's running statistics to the statistics of the training images under the final weights:
 * one training-mode forward (no gradient, momentum 1) of the batch repeated {@link BN_REPEATS} times. Why:
 * at 64 px the stride-32 maps are 2×2, so with 2 images a BN there sees 8 values per channel, and the running
 * variance carries PyTorch's unbiased factor 8/7 — an estimator correction for a larger population, where the
 * population here is just these images. Through YOLOX-n's and ResNet-50's stacks of 2×2 BNs those 7 % shifts
 * compound until inference mode no longer matches the trained network. Repeating the batch leaves its mean
 * and biased variance unchanged and shrinks the factor to 64/63; the momentum-1 update also removes the lag of
 * the running averages behind the last steps' weights.
 */
export async function recomputeBnStatistics(model: Detector, train: BatchLoader) {
  setTraining(model, true);
  configureBatchNorm(model, { momentum: 1 });
  for await (const b of train.epoch(0)) {
    const x = batchImages(b);
    tf.tidy(() => {
      model.call(tf.tile(x, [BN_REPEATS, 1, 1, 1]) as tf.Tensor4D);
    });
    x.dispose();
  }
  setTraining(model, false);
}
