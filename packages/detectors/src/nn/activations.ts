import * as tf from "@tensorflow/tfjs-core";

/** Activation names used by kdet's blocks. */
export type Activation = "silu" | "relu" | "relu6" | "none";

const siluImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.mul(x, tf.sigmoid(x)),
    // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))); σ is recomputed so only x is kept for the backward pass
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const sx = saved[0] as tf.Tensor;
      const ss = tf.sigmoid(sx);
      return tf.mul(dy, tf.mul(ss, tf.add(1, tf.mul(sx, tf.sub(1, ss)))));
    },
  };
});

/** SiLU (swish): x·σ(x), with a closed-form gradient σ(x)·(1 + x·(1 − σ(x))) that keeps only x. */
export function silu<T extends tf.Tensor>(x: T): T {
  return siluImpl(x) as T;
}

/** Applies the named activation element-wise. */
export function activate<T extends tf.Tensor>(x: T, act: Activation): T {
  switch (act) {
    case "silu":
      return silu(x);
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "none":
      return x;
  }
}
