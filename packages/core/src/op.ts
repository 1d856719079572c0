import * as tf from "@tensorflow/tfjs-core";

/**
 * Wraps a tensor function so that every call runs inside `tf.tidy(name, …)`: intermediates are
 * freed, the returned tensor(s) survive. Errors thrown inside are prefixed with the op's name.
 *
 * @example const l2 = op("l2", (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.squaredDifference(a, b)));
 */
// biome-ignore lint/suspicious/noExplicitAny: a generic tensor function takes any arguments
export function op<F extends (...args: any[]) => tf.TensorContainer>(name: string, fn: F): F {
  const wrapped = (...args: Parameters<F>): ReturnType<F> => {
    try {
      return tf.tidy(name, () => fn(...args)) as ReturnType<F>;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (!err.message.startsWith(`${name}: `)) err.message = `${name}: ${err.message}`;
      throw err;
    }
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped as unknown as F;
}

const stopGradientImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/**
 * Identity in the forward pass, zero gradient in the backward pass (TF's `stop_gradient`,
 * PyTorch's `.detach()`); tfjs-core 4.22 has no such op. Use it for teacher outputs and
 * quantities the references compute under `no_grad`.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientImpl(x) as T;
}
