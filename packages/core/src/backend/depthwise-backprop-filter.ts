import * as tf from "@tensorflow/tfjs-core";
import { paddedInputForConv } from "./conv2d-backprop-filter";
import { convGeometry, type ConvGeometry } from "./conv-geometry";
import { assertMultiplierOne } from "./depthwise-backprop-input";
import { asTensor, assertUnitDilation, attrsOf, input, type KernelArgs } from "./kernel-io";

/**
 * Depthwise conv filter gradient, NHWC, dilation 1, channel multiplier 1:
 * `dW[kh, kw, c, 0] = Σ_{n, oh, ow} xpad[n, oh·sh + kh, ow·sw + kw, c] · dy[n, oh, ow, c]`.
 * Roles swapped as for the dense filter gradient (see README.md in this folder): one `depthwiseConv2d` of
 * `reshape(transpose(xpad, [1,2,0,3]), [1, Hp, Wp, N·C])` with the filter
 * `reshape(transpose(dy, [1,2,0,3]), [OH, OW, N·C, 1])`, stride 1, 'valid', dilation [sh, sw]
 * gives [1, kh, kw, N·C]; the sum over N follows.
 */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const win = paddedInputForConv(x, g);
    const [n, hc, wc, c] = win.x.shape;
    const xT = tf.reshape(tf.transpose(win.x, [1, 2, 0, 3]), [1, hc, wc, n * c]) as tf.Tensor4D;
    const dyT = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [
      g.outHeight,
      g.outWidth,
      n * c,
      1,
    ]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(xT, dyT, 1, win.pad, "NHWC", [g.strideHeight, g.strideWidth]);
    return tf.reshape(tf.sum(tf.reshape(out, [g.filterHeight, g.filterWidth, n, c]), 2), [
      g.filterHeight,
      g.filterWidth,
      c,
      1,
    ]);
  });
}

/** Kernel function for `DepthwiseConv2dNativeBackpropFilter` (inputs x, dy). */
export function depthwiseBackpropFilterKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.DepthwiseConv2dNativeBackpropFilter;
  const a = attrsOf<tf.DepthwiseConv2dNativeBackpropFilterAttrs>(args);
  assertUnitDilation(name, a.dilations);
  assertMultiplierOne(name, a.filterShape);
  const x = input(args, name, "x");
  const dy = input(args, name, "dy");
  const g = convGeometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode, true);
  return tf.tidy(() =>
    depthwiseBackpropFilter(
      asTensor(x, args.backend) as tf.Tensor4D,
      asTensor(dy, args.backend) as tf.Tensor4D,
      g,
    ),
  );
}
