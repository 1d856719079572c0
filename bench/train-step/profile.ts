import { tf } from "./tf";

/** Self time (ms) and call count per kernel name; nested kernels are charged to themselves only. */
export type KernelProfile = Record<string, { ms: number; calls: number }>;

/**
 * Wraps every kernel registered for `backendName` with a timer (self time: a kernel that runs
 * other kernels inside, like the kdet conv backprops, is charged only its own time). Kernels are
 * synchronous on wasm/cpu, so wall time around `kernelFunc` is the kernel's cost. Returns
 * `take()`, which returns and resets the totals.
 */
export function installKernelTimers(backendName: string): { take(): KernelProfile } {
  let totals: KernelProfile = {};
  const stack: number[] = [];
  for (const k of tf.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        stack.push(0);
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const dt = performance.now() - t0;
          const nested = stack.pop()!;
          if (stack.length > 0) stack[stack.length - 1]! += dt;
          const e = (totals[k.kernelName] ??= { ms: 0, calls: 0 });
          e.ms += dt - nested;
          e.calls++;
        }
      },
    });
  }
  return {
    take() {
      const t = totals;
      totals = {};
      return t;
    },
  };
}
