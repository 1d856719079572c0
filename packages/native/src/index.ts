/**
 * @kdet/native: oneDNN-backed kernels for the tfjs-wasm backend (NHWC convolutions and their
 * gradients, fused BatchNorm+SiLU, matrix products, RoIAlign), built on install where a C++ compiler and oneDNN
 * exist.
 */
export { loadAddon, nativeRequested, ADDON_PATH } from "./addon";
export type { NativeAddon, AddonLoad } from "./addon";
export { registerNativeKernels, isNativeRegistered } from "./register";
export type { NativeKernelsInfo } from "./register";
export { BN_SILU_FORWARD, BN_SILU_BACKWARD } from "./bn-silu-kernels";
export { ROI_ALIGN, ROI_ALIGN_GRAD } from "./roi-align-kernels";
export type { RoIAlignAttrs } from "./roi-align-kernels";
export { convGeom } from "./conv-kernels";
export { nearestSource } from "./resize-nearest-grad-kernel";
export type { ConvGeom } from "./conv-kernels";
