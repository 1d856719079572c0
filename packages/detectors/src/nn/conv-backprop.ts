import * as tf from "@tensorflow/tfjs-core";

/** Padding as passed to tfjs conv kernels: "valid" or explicit NHWC pairs. */
export type ConvPad = "valid" | [[number, number], [number, number], [number, number], [number, number]];

/**
 * Gradient of a conv2d / depthwise conv2d (NHWC, HWIO filter, dilation 1) with respect to its input:
 * the `Conv2DBackpropInput` / `DepthwiseConv2dNativeBackpropInput` kernels (on wasm: @kdet/core's
 * fast kernels), called directly so a fused custom op can use them in its backward pass.
 */
export function convInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: readonly number[],
  stride: number,
  pad: ConvPad,
  depthwise: boolean,
): tf.Tensor4D {
  const strides: [number, number] = [stride, stride];
  if (depthwise)
    return tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, {
      strides,
      pad,
      dilations: [1, 1],
      inputShape: [...inputShape],
    } as never) as tf.Tensor4D;
  return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, {
    strides,
    pad,
    dataFormat: "NHWC",
    inputShape: [...inputShape],
  } as never) as tf.Tensor4D;
}

/** Gradient of a conv2d / depthwise conv2d with respect to its filter (`Conv2DBackpropFilter` / depthwise). */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly number[],
  stride: number,
  pad: ConvPad,
  depthwise: boolean,
): tf.Tensor4D {
  const strides: [number, number] = [stride, stride];
  if (depthwise)
    return tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
      strides,
      pad,
      dilations: [1, 1],
      filterShape: [...filterShape],
    } as never) as tf.Tensor4D;
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
    strides,
    pad,
    dataFormat: "NHWC",
    filterShape: [...filterShape],
  } as never) as tf.Tensor4D;
}
