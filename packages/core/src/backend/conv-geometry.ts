import * as tf from "@tensorflow/tfjs-core";

/** Geometry of a 2D convolution as the kdet backprop kernels need it (NHWC, dilation 1). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Shapes, strides and the top/left padding of a conv, computed by tfjs-core's own
 * `backend_util.computeConv2DInfo` (so 'same'/'valid'/explicit pads and rounding modes agree
 * exactly with the forward op). `filterShape` is `[kh, kw, inC, outC]` (or `[kh, kw, C, 1]` with
 * `depthwise`).
 */
export function convGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
  depthwise: boolean,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    depthwise,
    "channelsLast",
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
