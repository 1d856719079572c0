/** @kdet/core backend: backend selection and the kernels that make tfjs-wasm train. */
export { initBackend, defaultWasmThreads, initBackendOptionsSchema } from "./init-backend";
export type { BackendInfo, BackendName, BackendRequest, InitBackendOptions } from "./init-backend";
export { registerWasmTrainingKernels, registerCpuFixes, registerKernels, isRegistered, WASM_TRAINING_KERNELS, CPU_FIXES } from "./register-kernels";
export type { KdetKernel } from "./register-kernels";
export { findTensorflowPackage, TENSORFLOW_PACKAGES } from "./tensorflow-loader";
export type { TensorflowPackage } from "./tensorflow-loader";
export { wasmThreadsPatchApplied, unrefWasmWorkers, wasmDistDir } from "./wasm-threads";
export { conv2dBackpropFilter } from "./conv2d-backprop-filter";
export { conv2dBackpropInput } from "./conv2d-backprop-input";
export { depthwiseBackpropFilter } from "./depthwise-backprop-filter";
export { depthwiseBackpropInput } from "./depthwise-backprop-input";
export { maxPoolGradValues } from "./max-pool-grad";
export { resizeNearestNeighborGradValues } from "./resize-nearest-neighbor-grad";
export { unsortedSegmentSumValues } from "./unsorted-segment-sum";
export { batchNormSilu } from "./batch-norm-silu";
