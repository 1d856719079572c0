import * as tf from "@tensorflow/tfjs-core";
import { loadAddon } from "./addon";
import { nativeBatchMatMulKernels } from "./batch-mat-mul-kernel";
import { nativeBnSiluKernels } from "./bn-silu-kernels";
import { nativeConvKernels } from "./conv-kernels";
import { nativeCopyKernels } from "./copy-kernels";
import { nativeResizeKernels } from "./resize-nearest-grad-kernel";
import { nativeRoiAlignKernels } from "./roi-align-kernels";
import type { KernelCall } from "./wasm-heap";

/** What `registerNativeKernels` did. */
export interface NativeKernelsInfo {
  /** True when the oneDNN kernels are registered on 'wasm'. */
  active: boolean;
  /** Kernel names registered (empty when inactive). */
  kernels: string[];
  /** One line: "oneDNN 2.6.3, 2 thread(s): Conv2D, …" or why the native path is absent. */
  message: string;
}

const NATIVE = Symbol.for("kdet.native.kernel");
/** The kernel function a native kernel replaced (and falls back to); @kdet/core's `isRegistered` follows it. */
const WRAPS = Symbol.for("kdet.kernel.wraps");
type Tagged = tf.KernelFunc & { [NATIVE]?: true; [WRAPS]?: tf.KernelFunc };

/**
 * Registers the oneDNN kernels under backend 'wasm' (tensors stay in the wasm heap; the addon reads
 * and writes them in place): Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter (NHWC, dilation 1;
 * other convs fall through to the kernel registered before), the fused BatchNorm+SiLU pair used by
 * @kdet/core's `batchNormSilu`, BatchMatMul on oneDNN's matmul primitive, and threaded Concat, SplitV (4-byte dtypes),
 * MaxPoolGrad, ResizeNearestNeighborGrad and @kdet/core's RoIAlign pair.
 * `threads` sets the OpenMP threads (oneDNN and the addon's own loops). Idempotent; when the addon
 * is absent (not built, failed to load, or env KDET_NATIVE=0) nothing is registered (native kernels registered
 * earlier in the process are replaced by the kernels they wrapped) and `message` says why.
 * Call after the wasm backend and its other kernels are registered.
 */
export function registerNativeKernels(threads: number): NativeKernelsInfo {
  const load = loadAddon();
  if (load.addon == null) {
    unregisterNativeKernels();
    return { active: false, kernels: [], message: load.reason };
  }
  const addon = load.addon;
  addon.setThreads(threads);
  const kernels: Record<
    string,
    (call: KernelCall, builtin?: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[]
  > = {
    ...nativeConvKernels(addon),
    ...nativeBnSiluKernels(addon),
    ...nativeCopyKernels(addon),
    ...nativeResizeKernels(addon),
    ...nativeBatchMatMulKernels(addon),
    ...nativeRoiAlignKernels(addon),
  };
  for (const [kernelName, fn] of Object.entries(kernels)) {
    const current = tf.getKernel(kernelName, "wasm");
    if ((current?.kernelFunc as Tagged | undefined)?.[NATIVE]) continue;
    const builtin = current?.kernelFunc;
    const kernelFunc: Tagged = (args) => fn(args as unknown as KernelCall, builtin);
    kernelFunc[NATIVE] = true;
    kernelFunc[WRAPS] = builtin;
    if (current != null) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc,
      setupFunc: current?.setupFunc,
      disposeFunc: current?.disposeFunc,
    });
  }
  const names = Object.keys(kernels);
  return { active: true, kernels: names, message: `${addon.version()}: ${names.join(", ")}` };
}

/** True when the native kernel for `kernelName` is the one registered on 'wasm'. */
export function isNativeRegistered(kernelName: string): boolean {
  return (tf.getKernel(kernelName, "wasm")?.kernelFunc as Tagged | undefined)?.[NATIVE] === true;
}

/** Puts back, on 'wasm', the kernel each registered native kernel replaced (or removes it if it replaced none). */
function unregisterNativeKernels(): void {
  for (const k of tf.getKernelsForBackend("wasm")) {
    const f = k.kernelFunc as Tagged;
    if (!f[NATIVE]) continue;
    tf.unregisterKernel(k.kernelName, "wasm");
    const wrapped = f[WRAPS];
    if (wrapped != null) tf.registerKernel({ ...k, kernelFunc: wrapped });
  }
}
