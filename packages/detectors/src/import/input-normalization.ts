import * as tf from "@tensorflow/tfjs-core";
import type { Detector } from "../detector";
import { namedVariables } from "../io/named-variables";

/**
 * The input a model was trained on: channel k of the network input is (255·x_k − mean_k) / std_k with x the
 * 0–1 image in RGB order, or in BGR order when `bgr` (mean and std listed in the network's channel order).
 */
export interface InputNormalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  bgr?: boolean;
}

/** mmdetection's default `data_preprocessor` (ImageNet statistics, `bgr_to_rgb=True`). */
export const MMDET_IMAGENET_NORM: InputNormalization = {
  mean: [123.675, 116.28, 103.53],
  std: [58.395, 57.12, 57.375],
};

/** mmdetection YOLOX configs: no normalisation, BGR 0–255 (no `bgr_to_rgb`), as Megvii YOLOX. */
export const MMDET_YOLOX_INPUT: InputNormalization = { mean: [0, 0, 0], std: [1, 1, 1], bgr: true };

/**
 * Folds an input normalisation into the first conv + BN of `detector` (`<stem>.conv.weight` HWIO with 3·g
 * input channels — g = 4 after a Focus space-to-depth, whose groups are whole pixels — and
 * `<stem>.bn.running_mean`), so the model takes kdet's 0–1 RGB images. With k(j) the network channel that
 * image channel j of each group feeds (j, or 2 − j for BGR):
 *   W′[y,x,j,o] = W[y,x,k(j),o]·255/std_k(j),  b_o = −Σ_{y,x,k} W[y,x,k,o]·mean_k/std_k,  running_mean′ = running_mean − b.
 * Exact wherever the conv window lies inside the image; with a non-zero mean, on the stem output's border
 * (≤ k/2 pixels) the reference pads the normalised image with zeros (= the mean colour) and kdet pads 0–1
 * input with zeros (= black), so those outputs differ slightly.
 */
export function foldInputNormalization(
  detector: Detector,
  norm: InputNormalization,
  stem = "backbone.stem",
): void {
  const vars = new Map(namedVariables(detector as never).map((v) => [v.name, v.variable]));
  const w = vars.get(`${stem}.conv.weight`);
  const rm = vars.get(`${stem}.bn.running_mean`);
  const cin = w?.shape[2] ?? 0;
  if (!w || !rm || w.shape.length !== 4 || cin % 3 !== 0)
    throw new Error(
      `foldInputNormalization: ${stem} is not a conv on 3·g input channels followed by BatchNorm`,
    );
  const net = (j: number): number => (norm.bgr ? 2 - (j % 3) : j % 3);
  const perm = Array.from({ length: cin }, (_, j) => j - (j % 3) + net(j));
  tf.tidy(() => {
    const shift = tf.tensor1d(Array.from({ length: cin }, (_, k) => norm.mean[k % 3]! / norm.std[k % 3]!));
    const b = tf.neg(tf.sum(tf.mul(w, shift.reshape([1, 1, cin, 1])), [0, 1, 2]));
    const scale = tf.tensor1d(perm.map((k) => 255 / norm.std[k % 3]!)).reshape([1, 1, cin, 1]);
    rm.assign(tf.sub(rm, b));
    w.assign(tf.mul(tf.gather(w, perm, 2), scale));
  });
}
