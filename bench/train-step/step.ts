import os from "node:os";
import { initBackend, wasmDistDir } from "../../packages/core/src/backend/index";
import { buildNet } from "./net";
import { installKernelTimers, type KernelProfile } from "./profile";
import { registerGradients, tf, tfWasm, type TF } from "./tf";

/** One benchmark configuration, run in its own process (the wasm thread count is per process). */
export interface StepConfig {
  backend: "cpu" | "wasm" | "wasm-builtin";
  threads: number;
  batch: number;
  size: number;
  steps: number;
  warmup: number;
  profileSteps: number;
  /** BN + SiLU via kdet's batchNormSilu, head bias via tf.fused.conv2d. */
  fused: boolean;
  /** @kdet/native's oneDNN kernels (convs, fused BN+SiLU) when its addon is built; false sets KDET_NATIVE=0. */
  native?: boolean;
}

/** What a configuration measured. */
export interface StepResult {
  config: StepConfig;
  message: string;
  stepMs: number[];
  cpuMs: number[];
  losses: number[];
  numTensors: number[];
  profile: KernelProfile | null;
  profileStepMs: number | null;
  error: string | null;
}

async function setup(c: StepConfig): Promise<string> {
  if (c.backend === "wasm-builtin") {
    tfWasm.setWasmPaths(wasmDistDir());
    tfWasm.setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) throw new Error("wasm failed to initialize");
    return "tfjs-wasm 4.22 builtin kernels only, 1 thread";
  }
  const info = await initBackend({ backend: c.backend, threads: c.threads, quiet: true });
  return info.message;
}

/** Builds the net and runs warm-up, timed and profiled SGD steps (forward, MSE loss, backward, update). */
export async function runSteps(c: StepConfig): Promise<StepResult> {
  const result: StepResult = {
    config: c,
    message: "",
    stepMs: [],
    cpuMs: [],
    losses: [],
    numTensors: [],
    profile: null,
    profileStepMs: null,
    error: null,
  };
  try {
    await registerGradients();
    result.message = await setup(c);
    const net = buildNet(1, c.fused);
    const x = tf.randomNormal([c.batch, c.size, c.size, 3], 0, 1, "float32", 7) as TF.Tensor4D;
    const targets = tf.tidy(() =>
      net.forward(x).map((o, i) => tf.randomNormal(o.shape, 0, 1, "float32", 20 + i)),
    );
    const opt = tf.train.sgd(0.01);
    const step = (): number => {
      const loss = opt.minimize(
        () => tf.addN(net.forward(x).map((o, i) => tf.mean(tf.square(tf.sub(o, targets[i]!))))) as TF.Scalar,
        true,
      );
      const v = loss!.dataSync()[0]!;
      loss!.dispose();
      return v;
    };
    for (let i = 0; i < c.warmup; i++) step();
    for (let i = 0; i < c.steps; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      result.losses.push(step());
      result.stepMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      result.cpuMs.push((cpu.user + cpu.system) / 1000);
      result.numTensors.push(tf.memory().numTensors);
    }
    if (c.profileSteps > 0) {
      const timers = installKernelTimers(tf.getBackend());
      const t0 = performance.now();
      for (let i = 0; i < c.profileSteps; i++) step();
      result.profileStepMs = (performance.now() - t0) / c.profileSteps;
      const p = timers.take();
      for (const e of Object.values(p)) {
        e.ms /= c.profileSteps;
        e.calls /= c.profileSteps;
      }
      result.profile = p;
    }
  } catch (e) {
    result.error = (e as Error).message.split("\n")[0]!;
  }
  return result;
}

/** Machine description for the results header. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? "?"}, ${cpus.length} vCPU, node ${process.version}`;
}
