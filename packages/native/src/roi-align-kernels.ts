import type * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon";
import { type KernelCall, float32Input, float32View } from "./wasm-heap";

/**
 * Kernel names of RoIAlign (inputs features, rois) and its gradient w.r.t. the features (inputs dy, rois).
 * @kdet/core registers its JS kernels under these names and its `roiAlign` op runs them through
 * `engine().runKernel`; on 'wasm' this package's native kernels of the same names replace them where the addon loads.
 */
export const ROI_ALIGN = "KdetRoIAlign";
/** See `ROI_ALIGN`. */
export const ROI_ALIGN_GRAD = "KdetRoIAlignGrad";

/** Attributes of the RoIAlign kernels; `featureShape` is the NHWC shape of the features ([N, H, W, C]). */
export interface RoIAlignAttrs {
  pooledHeight: number;
  pooledWidth: number;
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
  featureShape: [number, number, number, number];
}

/**
 * RoIAlign (torchvision `roi_align`, mmcv `RoIAlign` 'avg') and its gradient on the addon, threaded: features NHWC,
 * rois [K, 5] = (batch index, x1, y1, x2, y2) in input pixels, output [K, ph, pw, C]. The same bilinear taps, in the
 * same order and summed in double, as @kdet/core's JS kernels (whose `forEachRoIAlignTap` states the rules); the
 * gradient is their adjoint, `dx[pixel, c] = Σ weight · dy[cell, c]`. A RoI with a non-finite coordinate gets NaN
 * outputs and gives no gradient. Absent in addons built before it was added.
 */
export function nativeRoiAlignKernels(
  addon: NativeAddon,
): Record<string, (call: KernelCall, builtin?: tf.KernelFunc) => tf.TensorInfo> {
  if (addon.roiAlign == null) return {};
  const run = addon.roiAlign.bind(addon);
  const dims = (a: RoIAlignAttrs, k: number) => [
    ...a.featureShape,
    k,
    a.pooledHeight,
    a.pooledWidth,
    a.samplingRatio,
    a.aligned ? 1 : 0,
  ];
  return {
    [ROI_ALIGN]: (call) => {
      const a = call.attrs as unknown as RoIAlignAttrs;
      const x = float32Input(call, ROI_ALIGN, "features");
      const rois = float32Input(call, ROI_ALIGN, "rois");
      const k = rois.shape[0]!;
      const out = call.backend.makeOutput([k, a.pooledHeight, a.pooledWidth, a.featureShape[3]], "float32");
      // views after the allocation: growing a non-shared heap moves it
      const v = (t: tf.TensorInfo) => float32View(call.backend, t);
      run(0, v(x), v(rois), v(out), dims(a, k), a.spatialScale);
      return out;
    },
    [ROI_ALIGN_GRAD]: (call) => {
      const a = call.attrs as unknown as RoIAlignAttrs;
      const dy = float32Input(call, ROI_ALIGN_GRAD, "dy");
      const rois = float32Input(call, ROI_ALIGN_GRAD, "rois");
      const out = call.backend.makeOutput([...a.featureShape], "float32");
      const v = (t: tf.TensorInfo) => float32View(call.backend, t);
      run(1, v(dy), v(rois), v(out), dims(a, rois.shape[0]!), a.spatialScale);
      return out;
    },
  };
}
