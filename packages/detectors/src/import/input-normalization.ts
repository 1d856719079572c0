import * as tf from "@tensorflow/tfjs-core";
import type { Detector } from "../detector";
import { namedVariables } from "../io/named-variables";

/** Per-channel input normalisation a model was trained with: x' = (255·x − mean) / std, RGB, 0–255 scale. */
export interface InputNormalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** mmdetection's default `data_preprocessor` (ImageNet statistics, `bgr_to_rgb=True`). */
export const MMDET_IMAGENET_NORM: InputNormalization = {
  mean: [123.675, 116.28, 103.53],
  std: [58.395, 57.12, 57.375],
};

/**
 * Folds an input normalisation into the first conv + BN of `detector` (variables `<stem>.conv.weight`,
 * HWIO, and `<stem>.bn.running_mean`), so the model takes kdet's 0–1 RGB images:
 *   W'[y,x,c,o] = W[y,x,c,o]·255/std_c,  b_o = −Σ_{y,x,c} W[y,x,c,o]·mean_c/std_c,  running_mean' = running_mean − b.
 * Exact wherever the stem conv's window lies inside the image; on its border (≤ k/2 output pixels) the
 * reference pads the normalised image with zeros (= the mean colour) and kdet pads 0–1 input with zeros
 * (= black), so those outputs differ slightly.
 */
export function foldInputNormalization(
  detector: Detector,
  norm: InputNormalization,
  stem = "backbone.stem",
): void {
  const vars = new Map(namedVariables(detector as never).map((v) => [v.name, v.variable]));
  const w = vars.get(`${stem}.conv.weight`);
  const rm = vars.get(`${stem}.bn.running_mean`);
  if (!w || !rm || w.shape.length !== 4 || w.shape[2] !== 3)
    throw new Error(
      `foldInputNormalization: ${stem} is not a conv on 3 input channels followed by BatchNorm`,
    );
  tf.tidy(() => {
    const scale = tf.tensor1d(norm.std.map((s) => 255 / s)).reshape([1, 1, 3, 1]);
    const shift = tf.tensor1d(norm.mean.map((m, c) => m / (norm.std[c] as number))).reshape([1, 1, 3, 1]);
    const b = tf.neg(tf.sum(tf.mul(w, shift), [0, 1, 2]));
    rm.assign(tf.sub(rm, b));
    w.assign(tf.mul(w, scale));
  });
}
