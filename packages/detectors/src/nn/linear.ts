import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";

/** Options of {@link Linear}. */
export interface LinearOptions {
  /**
   * Weight init: `xavier` (U(±√(6/(in+out))), mmdet `Xavier(distribution="uniform")` of the shared fcs) or a
   * normal N(0, std²) (mmdet `Normal(std)`: 0.01 for `fc_cls`, 0.001 for `fc_reg`). Biases start at 0.
   */
  init: "xavier" | { std: number };
}

/**
 * A fully connected layer y = x·W + b on `[R, in]` rows, W `[in, out]` (PyTorch `nn.Linear` stores the
 * transpose, `[out, in]`). Parameters: `weight`, `bias`.
 */
export class Linear extends Module<tf.Tensor2D, tf.Tensor2D> {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    opts: LinearOptions,
  ) {
    super();
    const shape = [inFeatures, outFeatures];
    const xb = Math.sqrt(6 / (inFeatures + outFeatures));
    this.weight = this.param(
      opts.init === "xavier" ? rng.uniformTensor(shape, -xb, xb) : rng.normalTensor(shape, 0, opts.init.std),
      "weight",
    );
    this.bias = this.param(tf.zeros([outFeatures]), "bias");
  }

  protected forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weight as tf.Tensor2D), this.bias) as tf.Tensor2D;
  }
}
