/**
 * @kdet/core — tensor utilities shared by kdet's tfjs packages: backend choice and trainable
 * wasm kernels, a tidy-wrapped op helper, layout helpers, box ops, NMS, seeded RNG and the
 * Module tree with named feature taps.
 */
import "./gradients";
export { op, stopGradient } from "./op";
export { nhwcToNchw, nchwToNhwc, oihwToHwio, hwioToOihw } from "./layout";
export { Rng } from "./random";
export {
  type BoxFormat,
  convertBoxes,
  xyxyToXywh,
  xywhToXyxy,
  xyxyToCxcywh,
  cxcywhToXyxy,
} from "./boxes/convert";
export { type IouKind, boxIouAligned, boxIouPairwise } from "./boxes/iou";
export { type NmsOptions, type ImageDetections, nms, batchedNms, pairIou } from "./boxes/nms";
export { Module, type OutputInfo, captureTaps, featureInfo } from "./nn/module";
export { roiAlign, type RoIAlignOptions } from "./ops/roi-align";
export {
  initBackend,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type InitBackendOptions,
  registerWasmTrainingKernels,
  registerCpuFixes,
  batchNormSilu,
} from "./backend/index";
