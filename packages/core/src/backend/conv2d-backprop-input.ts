import * as tf from "@tensorflow/tfjs-core";
import { convGeometry, type ConvGeometry } from "./conv-geometry";
import { asTensor, assertNhwc, attrsOf, input, readFloat32, type KernelArgs } from "./kernel-io";
import { phaseTransposedConv } from "./phase-plan";

/**
 * Conv2D input gradient, NHWC, dilation 1, by sub-pixel phase decomposition (see README.md in this folder):
 * `dx[n, h, w, ci] = Σ dy[n, oh, ow, co] · W[kh, kw, ci, co]` over `oh·sh + kh = h + padTop`,
 * `ow·sw + kw = w + padLeft`. Each of the sh·sw output phases is one stride-1 XNNPACK conv of a
 * dy window with the flipped, channel-transposed sub-filter
 * `sub[a, b, co, ci] = W[rowTaps[a], colTaps[b], ci, co]`, built in JS from the filter values
 * `w` ([kh, kw, Ci, Co], row-major) — wasm's strided slice/reverse/transpose are slow.
 */
export function conv2dBackpropInput(
  dy: tf.Tensor4D,
  w: Float32Array,
  filterShape: readonly number[],
  g: ConvGeometry,
): tf.Tensor4D {
  const [, kw, ci, co] = filterShape as [number, number, number, number];
  return phaseTransposedConv(dy, g, ci, (dyw, pad, rowTaps, colTaps) => {
    const jy = rowTaps.length;
    const jx = colTaps.length;
    const sub = new Float32Array(jy * jx * co * ci);
    let o = 0;
    for (const ky of rowTaps) {
      for (const kx of colTaps) {
        const base = (ky * kw + kx) * ci * co;
        for (let c = 0; c < co; c++) {
          for (let i = 0; i < ci; i++) sub[o++] = w[base + i * co + c]!;
        }
      }
    }
    return tf.conv2d(dyw, tf.tensor4d(sub, [jy, jx, co, ci]), 1, pad);
  });
}

/** Kernel function for `Conv2DBackpropInput` (inputs dy, filter; attrs of `tf.Conv2DBackpropInputAttrs`). */
export function conv2dBackpropInputKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.Conv2DBackpropInput;
  const a = attrsOf<tf.Conv2DBackpropInputAttrs>(args);
  assertNhwc(name, a.dataFormat);
  const dy = input(args, name, "dy");
  const filter = input(args, name, "filter");
  const g = convGeometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode, false);
  const w = readFloat32(filter, args.backend);
  return tf.tidy(() => conv2dBackpropInput(asTensor(dy, args.backend) as tf.Tensor4D, w, filter.shape, g));
}
