import * as tf from "@tensorflow/tfjs-core";
import { convGeometry, type ConvGeometry } from "./conv-geometry";
import { asTensor, assertUnitDilation, attrsOf, input, readFloat32, type KernelArgs } from "./kernel-io";
import { phaseTransposedConv } from "./phase-plan";

/** Throws unless a depthwise filter `[kh, kw, C, m]` has channel multiplier m = 1. */
export function assertMultiplierOne(kernel: string, filterShape: readonly number[]): void {
  if (filterShape[3] !== 1) {
    throw new Error(
      `${kernel}: channel multiplier ${filterShape[3]} is not supported (only 1); filter shape [${filterShape.join(", ")}]`,
    );
  }
}

/**
 * Depthwise conv input gradient, NHWC, dilation 1, channel multiplier 1:
 * `dx[n, h, w, c] = Σ dy[n, oh, ow, c] · W[kh, kw, c, 0]` over `oh·sh + kh = h + padTop`,
 * `ow·sw + kw = w + padLeft`. Same sub-pixel phase decomposition as `conv2dBackpropInput`
 * (see README.md in this folder), each phase a stride-1 `depthwiseConv2d` with the flipped sub-filter
 * `sub[a, b, c, 0] = W[rowTaps[a], colTaps[b], c, 0]` built in JS from `w` ([kh, kw, C, 1]).
 */
export function depthwiseBackpropInput(
  dy: tf.Tensor4D,
  w: Float32Array,
  filterShape: readonly number[],
  g: ConvGeometry,
): tf.Tensor4D {
  const [, kw, c] = filterShape as [number, number, number, number];
  return phaseTransposedConv(dy, g, c, (dyw, pad, rowTaps, colTaps) => {
    const sub = new Float32Array(rowTaps.length * colTaps.length * c);
    let o = 0;
    for (const ky of rowTaps) {
      for (const kx of colTaps) {
        sub.set(w.subarray((ky * kw + kx) * c, (ky * kw + kx + 1) * c), o);
        o += c;
      }
    }
    return tf.depthwiseConv2d(dyw, tf.tensor4d(sub, [rowTaps.length, colTaps.length, c, 1]), 1, pad);
  });
}

/** Kernel function for `DepthwiseConv2dNativeBackpropInput` (inputs dy, filter). */
export function depthwiseBackpropInputKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.DepthwiseConv2dNativeBackpropInput;
  const a = attrsOf<tf.DepthwiseConv2dNativeBackpropInputAttrs>(args);
  assertUnitDilation(name, a.dilations);
  const dy = input(args, name, "dy");
  const filter = input(args, name, "filter");
  assertMultiplierOne(name, filter.shape);
  const g = convGeometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode, true);
  const w = readFloat32(filter, args.backend);
  return tf.tidy(() => depthwiseBackpropInput(asTensor(dy, args.backend) as tf.Tensor4D, w, filter.shape, g));
}
