import { tf } from "./tf";

/** Self time (ms) and call count per kernel; a kernel run inside another one is keyed `Outer > Inner`. */
export type KernelProfile = Record<string, { ms: number; calls: number }>;

/**
 * Wraps every kernel registered for `backendName` with a timer. Self time: a kernel that runs
 * other kernels inside (the kdet conv backprops) is charged only its own time, and the inner
 * kernels appear as `Outer > Inner`. Kernels are
 * synchronous on wasm/cpu, so wall time around `kernelFunc` is the kernel's cost. Returns
 * `take()`, which returns and resets the totals.
 */
export function installKernelTimers(backendName: string): { take(): KernelProfile } {
  let totals: KernelProfile = {};
  const stack: { name: string; nested: number }[] = [];
  for (const k of tf.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const parent = stack[stack.length - 1];
        const name = parent == null ? k.kernelName : `${parent.name.split(" > ")[0]} > ${k.kernelName}`;
        stack.push({ name, nested: 0 });
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const dt = performance.now() - t0;
          const self = stack.pop()!;
          if (parent != null) parent.nested += dt;
          const e = (totals[name] ??= { ms: 0, calls: 0 });
          e.ms += dt - self.nested;
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
