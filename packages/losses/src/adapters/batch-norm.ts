/** Affine BatchNorm in training mode (PyTorch semantics), owning its trainable gamma/beta. */
import * as tf from "@tensorflow/tfjs-core";
import { uniqueName } from "./conv-adapter";

/**
 * `y = γ·(x − μ)/√(σ² + eps) + β` over NHWC `[N,H,W,C]` with the batch mean μ and BIASED variance
 * σ² over N,H,W (PyTorch `BatchNorm2d` in train mode, eps 1e-5). Running statistics are not
 * kept: this is a train-only adapter part (distillation connectors).
 */
export class BatchNormTrain {
  readonly gamma: tf.Variable<tf.Rank.R1>;
  readonly beta: tf.Variable<tf.Rank.R1>;
  readonly eps: number;

  constructor(channels: number, opts: { gamma?: number; eps?: number; name?: string } = {}) {
    const name = uniqueName(opts.name ?? "bn");
    this.gamma = tf.variable(tf.fill([channels], opts.gamma ?? 1), true, `${name}/gamma`);
    this.beta = tf.variable(tf.zeros([channels]), true, `${name}/beta`);
    this.eps = opts.eps ?? 1e-5;
  }

  get variables(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2], true);
      return tf.add(
        tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps))), this.gamma),
        this.beta,
      );
    });
  }

  /** Loads PyTorch `weight` (γ) and `bias` (β), `[C]`. */
  loadTorch(weight: tf.Tensor, bias: tf.Tensor): void {
    tf.tidy(() => {
      this.gamma.assign(tf.reshape(weight, [-1]) as tf.Tensor1D);
      this.beta.assign(tf.reshape(bias, [-1]) as tf.Tensor1D);
    });
  }

  dispose(): void {
    this.gamma.dispose();
    this.beta.dispose();
  }
}
