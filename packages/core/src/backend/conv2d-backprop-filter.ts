import * as tf from "@tensorflow/tfjs-core";
import { convGeometry, type ConvGeometry } from "./conv-geometry";
import { asTensor, assertNhwc, attrsOf, input, type KernelArgs } from "./kernel-io";
import { window2d, windowForConv, type ExplicitPads } from "./window";

/**
 * The zero-padded input rows/cols a conv reads: `xpad[n, i, j, c] = x[n, i - padTop, j - padLeft, c]`
 * for `i < (OH-1)·sh + kh`, `j < (OW-1)·sw + kw` (NHWC).
 */
export function paddedInput(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const rows = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const cols = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  return window2d(x, -g.padTop, rows, -g.padLeft, cols);
}

/** `paddedInput` as a crop of x plus the explicit padding that a conv applies itself (no padded copy). */
export function paddedInputForConv(x: tf.Tensor4D, g: ConvGeometry): { x: tf.Tensor4D; pad: ExplicitPads } {
  const rows = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const cols = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  return windowForConv(x, -g.padTop, rows, -g.padLeft, cols);
}

/**
 * Conv2D filter gradient, NHWC, dilation 1:
 * `dW[kh, kw, ci, co] = Σ_{n, oh, ow} xpad[n, oh·sh + kh, ow·sw + kw, ci] · dy[n, oh, ow, co]`.
 *
 * k > 1 ("dilated", roles swapped; see README.md in this folder): one XNNPACK conv whose batch is the
 * input channel and whose filter is dy (the zero padding of xpad is the conv's own explicit
 * padding, not a copy): with `xT = transpose(xpad, [3,1,2,0])` ([Ci, Hp, Wp, N])
 * and `dyT = transpose(dy, [1,2,0,3])` ([OH, OW, N, Co]),
 * `dW = transpose(conv2d(xT, dyT, stride 1, 'valid', dilation [sh, sw]), [1,2,0,3])`
 * (the conv output is [Ci, kh, kw, Co]).
 * 1×1 ("taps"): the strided input is taken with `maxPool(1×1, stride)` (exact subsampling) and
 * `dW = xsᵀ[Ci, M] · dy[M, Co]` with M = N·OH·OW, via an explicit transpose and a plain matMul
 * (transposed matMul is slow on wasm).
 */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const ci = x.shape[3];
    const co = dy.shape[3];
    if (g.filterHeight === 1 && g.filterWidth === 1) {
      const xpad = paddedInput(x, g);
      const strided = g.strideHeight === 1 && g.strideWidth === 1;
      const xs = strided ? xpad : tf.maxPool(xpad, 1, [g.strideHeight, g.strideWidth], "valid");
      const m = g.batch * g.outHeight * g.outWidth;
      const xt = tf.transpose(tf.reshape(xs, [m, ci]));
      return tf.reshape(tf.matMul(xt, tf.reshape(dy, [m, co])), [1, 1, ci, co]);
    }
    const win = paddedInputForConv(x, g);
    const xT = tf.transpose(win.x, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const out = tf.conv2d(xT, dyT, 1, win.pad, "NHWC", [g.strideHeight, g.strideWidth]);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/** Kernel function for `Conv2DBackpropFilter` (inputs x, dy; attrs of `tf.Conv2DBackpropFilterAttrs`). */
export function conv2dBackpropFilterKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.Conv2DBackpropFilter;
  const a = attrsOf<tf.Conv2DBackpropFilterAttrs>(args);
  assertNhwc(name, a.dataFormat);
  const x = input(args, name, "x");
  const dy = input(args, name, "dy");
  const g = convGeometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode, false);
  return tf.tidy(() =>
    conv2dBackpropFilter(
      asTensor(x, args.backend) as tf.Tensor4D,
      asTensor(dy, args.backend) as tf.Tensor4D,
      g,
    ),
  );
}
