import { ROI_ALIGN, ROI_ALIGN_GRAD, type RoIAlignAttrs } from "@kdet/native";
import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, readFloat32, type KernelArgs } from "./kernel-io";

/**
 * Kernel names of the RoIAlign forward pass and of its gradient w.r.t. the features (inputs features/dy and rois;
 * attrs {@link RoIAlignAttrs}); @kdet/native's threaded kernels of the same names replace these on 'wasm' where its
 * addon loads.
 */
export { ROI_ALIGN, ROI_ALIGN_GRAD, type RoIAlignAttrs };

/**
 * Visits every bilinear tap of RoIAlign: for output cell `cell = (k·ph + i)·pw + j` it calls
 * `visit(cell, pixel, weight)` for each of the four neighbours of each sampling point, with
 * `pixel = (b·H + y)·W + x` and `weight` the bilinear weight divided by the point count, so that
 * `out[cell, c] = Σ weight · features[pixel, c]`. The rules are those of torchvision's
 * `roi_align` (csrc/ops/cpu/roi_align_kernel.cpp + roi_align_common.h) and mmcv's `RoIAlign`
 * (roi_align_cuda_kernel.cuh, mode 'avg'):
 * - box `rois[k] = (b, x1, y1, x2, y2)`, scaled by `spatialScale`, minus 0.5 when `aligned`;
 *   width/height forced ≥ 1 when not aligned;
 * - a `grid_h × grid_w` grid of points per bin (`samplingRatio`, or `ceil(roi_h / ph)` and
 *   `ceil(roi_w / pw)` when it is 0), at the centres of its sub-cells; divisor `max(grid_h·grid_w, 1)`;
 * - a point with y < −1, y > H, x < −1 or x > W contributes 0; y or x ≤ 0 is clamped to 0; when
 *   ⌊y⌋ ≥ H − 1 the last row is used (same for x and the last column).
 * Throws when a batch index is not an integer in [0, N).
 */
export function forEachRoIAlignTap(
  rois: Float32Array,
  attrs: RoIAlignAttrs,
  visit: (cell: number, pixel: number, weight: number) => void,
): void {
  const { pooledHeight: ph, pooledWidth: pw, spatialScale, samplingRatio, aligned } = attrs;
  const [n, h, w] = attrs.featureShape;
  const offset = aligned ? 0.5 : 0;
  const numRois = rois.length / 5;
  for (let k = 0; k < numRois; k++) {
    const b = rois[k * 5]!;
    if (!Number.isInteger(b) || b < 0 || b >= n) {
      throw new Error(`roiAlign: rois[${k}] batch index ${b} is not an integer in [0, ${n})`);
    }
    const x0 = rois[k * 5 + 1]! * spatialScale - offset;
    const y0 = rois[k * 5 + 2]! * spatialScale - offset;
    let roiW = rois[k * 5 + 3]! * spatialScale - offset - x0;
    let roiH = rois[k * 5 + 4]! * spatialScale - offset - y0;
    if (!aligned) {
      roiW = Math.max(roiW, 1);
      roiH = Math.max(roiH, 1);
    }
    const binH = roiH / ph;
    const binW = roiW / pw;
    const gridH = samplingRatio > 0 ? samplingRatio : Math.ceil(roiH / ph);
    const gridW = samplingRatio > 0 ? samplingRatio : Math.ceil(roiW / pw);
    const inv = 1 / Math.max(gridH * gridW, 1);
    for (let i = 0; i < ph; i++) {
      for (let iy = 0; iy < gridH; iy++) {
        let y = y0 + i * binH + ((iy + 0.5) * binH) / gridH;
        if (y < -1 || y > h) continue;
        if (y <= 0) y = 0;
        let yLo = Math.floor(y);
        let yHi = yLo + 1;
        if (yLo >= h - 1) {
          yLo = yHi = h - 1;
          y = yLo;
        }
        const ly = y - yLo;
        const rowLo = (b * h + yLo) * w;
        const rowHi = (b * h + yHi) * w;
        for (let j = 0; j < pw; j++) {
          const cell = (k * ph + i) * pw + j;
          for (let ix = 0; ix < gridW; ix++) {
            let x = x0 + j * binW + ((ix + 0.5) * binW) / gridW;
            if (x < -1 || x > w) continue;
            if (x <= 0) x = 0;
            let xLo = Math.floor(x);
            let xHi = xLo + 1;
            if (xLo >= w - 1) {
              xLo = xHi = w - 1;
              x = xLo;
            }
            const lx = x - xLo;
            visit(cell, rowLo + xLo, (1 - ly) * (1 - lx) * inv);
            visit(cell, rowLo + xHi, (1 - ly) * lx * inv);
            visit(cell, rowHi + xLo, ly * (1 - lx) * inv);
            visit(cell, rowHi + xHi, ly * lx * inv);
          }
        }
      }
    }
  }
}

/** RoIAlign forward on plain arrays: features NHWC, rois [K, 5] → [K, ph, pw, C] (see {@link forEachRoIAlignTap}). */
export function roiAlignValues(
  features: Float32Array,
  rois: Float32Array,
  attrs: RoIAlignAttrs,
): Float32Array {
  const c = attrs.featureShape[3];
  const out = new Float64Array((rois.length / 5) * attrs.pooledHeight * attrs.pooledWidth * c);
  forEachRoIAlignTap(rois, attrs, (cell, pixel, weight) => {
    if (weight === 0) return;
    const o = cell * c;
    const f = pixel * c;
    for (let ch = 0; ch < c; ch++) out[o + ch]! += weight * features[f + ch]!;
  });
  return Float32Array.from(out);
}

/** RoIAlign gradient w.r.t. the features: the adjoint of {@link roiAlignValues}, `dx[pixel, c] += weight · dy[cell, c]`. */
export function roiAlignGradValues(dy: Float32Array, rois: Float32Array, attrs: RoIAlignAttrs): Float32Array {
  const [n, h, w, c] = attrs.featureShape;
  const dx = new Float64Array(n * h * w * c);
  forEachRoIAlignTap(rois, attrs, (cell, pixel, weight) => {
    if (weight === 0) return;
    const o = cell * c;
    const f = pixel * c;
    for (let ch = 0; ch < c; ch++) dx[f + ch]! += weight * dy[o + ch]!;
  });
  return Float32Array.from(dx);
}

/** Kernel function of {@link ROI_ALIGN} (any backend with `readSync`: registered for cpu and wasm). */
export function roiAlignKernel(args: KernelArgs): tf.TensorInfo {
  const attrs = attrsOf<RoIAlignAttrs>(args);
  const features = readFloat32(input(args, ROI_ALIGN, "features"), args.backend);
  const rois = input(args, ROI_ALIGN, "rois");
  const out = roiAlignValues(features, readFloat32(rois, args.backend), attrs);
  const c = attrs.featureShape[3];
  return tf.tensor4d(out, [rois.shape[0]!, attrs.pooledHeight, attrs.pooledWidth, c]);
}

/** Kernel function of {@link ROI_ALIGN_GRAD}: dy [K, ph, pw, C] → d features [N, H, W, C]. */
export function roiAlignGradKernel(args: KernelArgs): tf.TensorInfo {
  const attrs = attrsOf<RoIAlignAttrs>(args);
  const dy = readFloat32(input(args, ROI_ALIGN_GRAD, "dy"), args.backend);
  const rois = readFloat32(input(args, ROI_ALIGN_GRAD, "rois"), args.backend);
  return tf.tensor4d(roiAlignGradValues(dy, rois, attrs), attrs.featureShape);
}

/** The RoIAlign kernels, registered under 'wasm' and 'cpu' with the other kdet kernels. */
export const ROI_ALIGN_KERNELS = [
  { kernelName: ROI_ALIGN, kernelFunc: roiAlignKernel },
  { kernelName: ROI_ALIGN_GRAD, kernelFunc: roiAlignGradKernel },
] as const;
