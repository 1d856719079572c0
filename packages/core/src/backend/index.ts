/**
 * @kdet/core backend: backend selection and the kernels that make tfjs-wasm train. The kernels
 * themselves are reached through ordinary tf ops once registered; only the registries are public.
 */
export { initBackend, defaultWasmThreads, initBackendOptionsSchema } from "./init-backend";
export type { BackendInfo, BackendName, BackendRequest, InitBackendOptions } from "./init-backend";
export {
  registerWasmTrainingKernels,
  registerCpuFixes,
  registerKernels,
  isRegistered,
  WASM_TRAINING_KERNELS,
  CPU_FIXES,
} from "./register-kernels";
export type { KdetKernel } from "./register-kernels";
export { findTensorflowPackage, TENSORFLOW_PACKAGES } from "./tensorflow-loader";
export type { TensorflowPackage } from "./tensorflow-loader";
export { unrefWasmWorkers, wasmDistDir } from "./wasm-threads";
export { batchNormSilu } from "./batch-norm-silu";
