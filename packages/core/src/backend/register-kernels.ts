import os from "node:os";
import { registerNativeKernels, type NativeKernelsInfo } from "@kdet/native";
import * as tf from "@tensorflow/tfjs-core";
import { batchMatMulKernel } from "./batch-mat-mul";
import { conv2dBackpropFilterKernel } from "./conv2d-backprop-filter";
import { conv2dBackpropInputKernel } from "./conv2d-backprop-input";
import { depthwiseBackpropFilterKernel } from "./depthwise-backprop-filter";
import { depthwiseBackpropInputKernel } from "./depthwise-backprop-input";
import { splitVKernel } from "./split-v";
import { castKernel, identityKernel } from "./identity";
import type { KernelArgs } from "./kernel-io";
import { maxPoolGradKernel } from "./max-pool-grad";
import { meanKernel, sumKernel } from "./reduce-leading";
import { resizeNearestNeighborGradKernel } from "./resize-nearest-neighbor-grad";
import { ROI_ALIGN_KERNELS } from "./roi-align";
import { unsortedSegmentSumKernel } from "./unsorted-segment-sum";

/**
 * One kernel kdet registers: tfjs kernel name → kernel function. The function also receives the
 * kernel it replaces (`builtin`), for inputs it leaves to it (e.g. string tensors).
 */
export interface KdetKernel {
  readonly kernelName: string;
  readonly kernelFunc: (args: KernelArgs, builtin?: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[];
}

/** Marks a registered kernel function as the wrapper of a given `KdetKernel`. */
const KDET = Symbol.for("kdet.kernel");
/** Set by @kdet/native on a kernel that replaced (and falls back to) another one. */
const WRAPS = Symbol.for("kdet.kernel.wraps");
type Tagged = tf.KernelFunc & { [KDET]?: KdetKernel; [WRAPS]?: Tagged };

/**
 * True when the kernel registered for (`kernelName`, `backendName`) is `k`, directly or as the
 * fallback of a native kernel registered over it.
 */
export function isRegistered(k: KdetKernel, backendName: string): boolean {
  let f = tf.getKernel(k.kernelName, backendName)?.kernelFunc as Tagged | undefined;
  while (f != null && f[KDET] == null && f[WRAPS] != null) f = f[WRAPS];
  return f?.[KDET] === k;
}

/**
 * Kernels kdet registers under backend 'wasm' (tfjs-backend-wasm 4.22.0) so that detectors train,
 * fast and with correct gradients (see README.md in this folder): the four missing or slow conv gradients,
 * the gather gradient, a correct MaxPoolGrad, copy-free Identity and same-dtype Cast, SplitV as
 * row-band copies (2–7× faster than the builtin's channel slices), Sum/Mean over
 * leading axes via average pooling (the builtins transpose first), and a
 * batch-correct ResizeNearestNeighborGrad (the same loop as the cpu fix), BatchMatMul on XNNPACK's GEMM
 * for transposed and batched products (the builtin's scalar loop is 10–40× slower), and the RoIAlign
 * forward/gradient kernels of `roiAlign` (kdet's own kernel names).
 */
export const WASM_TRAINING_KERNELS: readonly KdetKernel[] = [
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2dBackpropFilterKernel },
  { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2dBackpropInputKernel },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, kernelFunc: depthwiseBackpropFilterKernel },
  { kernelName: tf.DepthwiseConv2dNativeBackpropInput, kernelFunc: depthwiseBackpropInputKernel },
  { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSumKernel },
  { kernelName: tf.MaxPoolGrad, kernelFunc: maxPoolGradKernel },
  { kernelName: tf.Identity, kernelFunc: identityKernel },
  { kernelName: tf.Cast, kernelFunc: castKernel },
  { kernelName: tf.SplitV, kernelFunc: splitVKernel },
  { kernelName: tf.Sum, kernelFunc: sumKernel },
  { kernelName: tf.Mean, kernelFunc: meanKernel },
  { kernelName: tf.ResizeNearestNeighborGrad, kernelFunc: resizeNearestNeighborGradKernel },
  { kernelName: tf.BatchMatMul, kernelFunc: batchMatMulKernel },
  ...ROI_ALIGN_KERNELS,
];

/**
 * Kernels kdet registers under backend 'cpu' (tfjs-backend-cpu 4.22.0): the batch>1
 * ResizeNearestNeighborGrad fix, and the RoIAlign kernels of `roiAlign`.
 */
export const CPU_FIXES: readonly KdetKernel[] = [
  { kernelName: tf.ResizeNearestNeighborGrad, kernelFunc: resizeNearestNeighborGradKernel },
  ...ROI_ALIGN_KERNELS,
];

/**
 * Registers `kernels` under `backendName`, replacing whatever is registered under the same name
 * (tfjs builtins included; their `setupFunc`/`disposeFunc` are kept, and the builtin function is
 * handed to ours). Idempotent: a kernel that is already ours is left alone, so it is safe to call
 * from many test files and after every backend switch.
 */
export function registerKernels(backendName: string, kernels: readonly KdetKernel[]): void {
  for (const k of kernels) {
    if (isRegistered(k, backendName)) continue;
    const current = tf.getKernel(k.kernelName, backendName);
    const builtin = current?.kernelFunc;
    const kernelFunc: Tagged = (args) => k.kernelFunc(args as KernelArgs, builtin);
    kernelFunc[KDET] = k;
    if (current != null) tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName,
      kernelFunc,
      setupFunc: current?.setupFunc,
      disposeFunc: current?.disposeFunc,
    });
  }
}

/**
 * Default OpenMP thread count of the native kernels: env `KDET_THREADS`, else 1 under vitest
 * (test files already run in parallel), else all logical cores.
 */
function defaultNativeThreads(): number {
  const env = Number(process.env.KDET_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return process.env.VITEST != null ? 1 : os.cpus().length;
}

/**
 * Registers the kdet training kernels (`WASM_TRAINING_KERNELS`) under backend 'wasm', then, by default,
 * @kdet/native's oneDNN kernels over them where its addon was built (C++ compiler + oneDNN at install)
 * and loads: Conv2D and both conv gradients (NHWC, dilation 1), the fused BatchNorm+SiLU pair, threaded
 * Concat, SplitV, MaxPoolGrad and ResizeNearestNeighborGrad, with `nativeThreads` OpenMP threads. Env
 * `KDET_NATIVE=0` keeps kdet's XNNPACK kernels; an absent or unloadable addon falls back to them. Import
 * `@tensorflow/tfjs-backend-wasm` first (initBackend does): importing it later would put its builtin
 * kernels back. Idempotent. Returns what the native path did (`message` says why when it is off).
 */
export function registerWasmTrainingKernels(nativeThreads = defaultNativeThreads()): NativeKernelsInfo {
  registerKernels("wasm", WASM_TRAINING_KERNELS);
  return registerNativeKernels(nativeThreads);
}

/** The start-up clause for what `registerWasmTrainingKernels` did about the native path. */
export function nativeNote(info: NativeKernelsInfo): string {
  return info.active
    ? `; convs + BN/SiLU + matmuls on ${info.message.split(":")[0]} (@kdet/native; KDET_NATIVE=0 for XNNPACK)`
    : `; convs on XNNPACK (native oneDNN path off: ${info.message})`;
}

/** Registers the kdet fixes (`CPU_FIXES`) under backend 'cpu'. Idempotent. */
export function registerCpuFixes(): void {
  registerKernels("cpu", CPU_FIXES);
}
