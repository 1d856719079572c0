import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { ROI_ALIGN, ROI_ALIGN_GRAD, type RoIAlignAttrs } from "../backend/roi-align";

/** Options of {@link roiAlign}. */
export interface RoIAlignOptions {
  /** Output bins per RoI, [ph, pw] (mmdet: 7×7 for the box head, 14×14 for masks). */
  outputSize: readonly [number, number];
  /** Feature-map pixels per input-image pixel (1 / stride of the level, e.g. 1/8). */
  spatialScale: number;
  /** Sampling points per bin side; 0 = adaptive `ceil(roi_size / output_size)` (default 0, as mmdet). */
  samplingRatio?: number;
  /** Half-pixel offset (subtract 0.5 after scaling), as torchvision/mmcv `aligned=True` (default true, as mmdet). */
  aligned?: boolean;
}

const optionsSchema = z.object({
  outputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  spatialScale: z.number().positive().finite(),
  samplingRatio: z.number().int().nonnegative().default(0),
  aligned: z.boolean().default(true),
});

/** The backends with registered RoIAlign kernels (by `initBackend`). */
const SUPPORTED = ["wasm", "cpu"];

/**
 * RoIAlign (He et al., "Mask R-CNN", 2017, §3), exactly as torchvision's `ops.roi_align`
 * (csrc/ops/cpu/roi_align_kernel.cpp) and mmcv's `RoIAlign` with pool_mode 'avg'
 * (mmcv/ops/csrc/common/cuda/roi_align_cuda_kernel.cuh):
 * `out[k, i, j, c] = 1/max(gh·gw, 1) · Σ_{iy<gh, ix<gw} bilinear(features[b_k, :, :, c], y, x)` with
 * `y = y1·s − o + (i + (iy + ½)/gh) · roi_h/ph`, `x = x1·s − o + (j + (ix + ½)/gw) · roi_w/pw`,
 * `s = spatialScale`, `o = 0.5` when `aligned` else 0, `roi_h = (y2 − y1)·s` (forced ≥ 1 when not
 * aligned), `gh = samplingRatio` or `ceil(roi_h / ph)` when 0 (same for w). Sampling points with
 * y < −1, y > H, x < −1 or x > W contribute 0; coordinates in [−1, 0] are clamped to 0 and those
 * beyond the last row/column use it.
 *
 * Layout: `features` NHWC [N, H, W, C] float32 (torchvision is NCHW); `rois` [K, 5] rows
 * `(batchIndex, x1, y1, x2, y2)`, xyxy absolute in input-image pixels (the torchvision/mmcv
 * `Tensor[K, 5]` form); output [K, ph, pw, C]. Differentiable w.r.t. `features` (the transposed
 * bilinear scatter, kernel `KdetRoIAlignGrad`); `rois` get a zero gradient, as in mmdet.
 * Runs on the 'wasm' and 'cpu' backends (kernels registered by `initBackend`); throws elsewhere.
 *
 * @example const pooled = roiAlign(p2, rois, { outputSize: [7, 7], spatialScale: 1 / 4 }); // [K, 7, 7, C]
 */
export function roiAlign(features: tf.Tensor4D, rois: tf.Tensor2D, options: RoIAlignOptions): tf.Tensor4D {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `roiAlign: option '${issue.path.join(".")}' is invalid (${issue.message}); expected outputSize ` +
        "[ph, pw] positive integers, spatialScale > 0, samplingRatio an integer ≥ 0, aligned a boolean",
    );
  }
  const o = parsed.data;
  if (features.rank !== 4 || features.dtype !== "float32") {
    throw new Error(
      `roiAlign: features must be a float32 NHWC Tensor4D, got ${features.dtype} [${features.shape}]`,
    );
  }
  if (rois.rank !== 2 || rois.shape[1] !== 5) {
    throw new Error(`roiAlign: rois must be [K, 5] (batchIndex, x1, y1, x2, y2), got [${rois.shape}]`);
  }
  const backend = tf.getBackend();
  if (tf.getKernel(ROI_ALIGN, backend) == null || tf.getKernel(ROI_ALIGN_GRAD, backend) == null) {
    throw new Error(
      `roiAlign: no RoIAlign kernel on backend '${backend}' (supported: ${SUPPORTED.join(", ")}, ` +
        "registered by initBackend)",
    );
  }
  const attrs: RoIAlignAttrs = {
    pooledHeight: o.outputSize[0],
    pooledWidth: o.outputSize[1],
    spatialScale: o.spatialScale,
    samplingRatio: o.samplingRatio,
    aligned: o.aligned,
    featureShape: features.shape,
  };
  const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, r, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([r]);
    return {
      value: tf.engine().runKernel(ROI_ALIGN, { features: x, rois: r }, kernelAttrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sr] = saved as [tf.Tensor];
        const dx = tf.engine().runKernel(ROI_ALIGN_GRAD, { dy: dy as tf.Tensor, rois: sr }, kernelAttrs);
        return [dx as tf.Tensor, tf.zerosLike(sr)];
      },
    };
  });
  return tf.tidy("roiAlign", () => run(features, rois) as tf.Tensor4D);
}
