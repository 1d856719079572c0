import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { nativeRequested } from "@kdet/native";
import {
  CPU_FIXES,
  nativeNote,
  registerCpuFixes,
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
} from "./register-kernels";
import { loadTensorflowBackend } from "./tensorflow-loader";
import { startThreadedWasm, unrefWasmWorkers, wasmDistDir } from "./wasm-threads";

/** A tfjs backend kdet can run on. */
export type BackendName = "tensorflow" | "wasm" | "cpu";
/** What the caller asks for; "auto" tries tensorflow, then wasm, then cpu. */
export type BackendRequest = BackendName | "auto";

const BACKEND_REQUESTS = ["auto", "tensorflow", "wasm", "cpu"] as const;

/** Options of `initBackend`, validated with zod. */
export const initBackendOptionsSchema = z
  .object({
    backend: z.enum(BACKEND_REQUESTS).optional(),
    threads: z.number().int().min(1).max(256).optional(),
    quiet: z.boolean().optional(),
  })
  .strict();

/** Options of `initBackend`. */
export type InitBackendOptions = z.infer<typeof initBackendOptionsSchema>;

/** What `initBackend` chose and why. */
export interface BackendInfo {
  /** The active tfjs backend. */
  backend: BackendName;
  /** What was asked for, and where the request came from. */
  requested: BackendRequest;
  requestSource: "option" | "env KDET_BACKEND" | "default";
  /** XNNPACK threads of the wasm backend; 1 on cpu; null on tensorflow (libtensorflow's own pool). */
  threads: number | null;
  /** Names of the kdet kernels registered on the active backend. */
  kernels: string[];
  /** Backends tried before this one and why each was not used. */
  skipped: { backend: BackendName; reason: string }[];
  /** One line: backend, threads, reason. */
  message: string;
}

/**
 * Default XNNPACK thread count for the wasm backend: all logical cores (threaded wasm in Node is
 * checked to run, exit cleanly and give the same bits as 1 thread). Under vitest (env VITEST) 1:
 * vitest already runs test files in parallel on every core, and oversubscribed pthreads
 * busy-wait — a 2-thread training step measured 5.0 s vs 1.5 s on 1 thread at load 10
 * (bench/train-step/RESULTS.md).
 */
export function defaultWasmThreads(): number {
  return process.env.VITEST != null ? 1 : os.cpus().length;
}

function parseEnvBackend(): BackendRequest | undefined {
  const raw = process.env.KDET_BACKEND;
  if (raw == null || raw === "") return undefined;
  const parsed = z.enum(BACKEND_REQUESTS).safeParse(raw);
  if (!parsed.success)
    throw new Error(`initBackend: env KDET_BACKEND='${raw}' is not one of ${BACKEND_REQUESTS.join(", ")}`);
  return parsed.data;
}

function parseEnvThreads(): number | undefined {
  const raw = process.env.KDET_THREADS;
  if (raw == null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`initBackend: env KDET_THREADS='${raw}' is not an integer >= 1`);
  return n;
}

async function activate(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed (see the log above)`);
}

/** Initializes wasm (once per process: the thread count is fixed by the first initialization). */
async function startWasm(threads: number): Promise<{ threads: number; note: string }> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const fresh = tf.findBackend("wasm") == null;
  if (fresh) wasm.setWasmPaths(wasmDistDir());
  const native = registerWasmTrainingKernels(threads);
  if (fresh) await startThreadedWasm(threads, () => activate("wasm"));
  else await activate("wasm");
  unrefWasmWorkers();
  const actual = wasm.getThreadsCount();
  const note =
    actual === threads
      ? ""
      : fresh
        ? `; ${actual} thread(s) of ${threads} asked: this tfjs-backend-wasm did not start its threaded build in Node`
        : `; ${actual} thread(s): wasm was already initialized in this process`;
  return { threads: actual, note: note + nativeNote(native) };
}

async function startCpu(): Promise<void> {
  await import("@tensorflow/tfjs-backend-cpu");
  registerCpuFixes();
  await activate("cpu");
}

let queue: Promise<unknown> = Promise.resolve();
let lastMessage = "";

/**
 * Chooses and activates the tfjs backend (see README.md in this folder):
 * `tensorflow` (from @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, if the user installed
 * one; found from this package and from `process.cwd()`), else `wasm` with the kdet training
 * kernels and `threads` XNNPACK threads — and, where @kdet/native's addon is built and loads, its oneDNN
 * convs and fused BN+SiLU over them (env `KDET_NATIVE=0`: kdet's XNNPACK kernels only) — else `cpu`
 * (pure JS, ~300× slower) with a loud warning.
 * `opts.backend` or env `KDET_BACKEND` forces one (then failure throws); `opts.threads` or env
 * `KDET_THREADS` sets the wasm threads (default `defaultWasmThreads()`). Idempotent and serialized:
 * safe to call from every test file; switching between backends is allowed, but the wasm thread
 * count is fixed at its first initialization. Prints a one-line message unless `quiet` (an
 * automatic fall-back to cpu always warns).
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => initBackendNow(opts));
  queue = run.catch(() => undefined);
  return run;
}

async function initBackendNow(opts: InitBackendOptions): Promise<BackendInfo> {
  const parsed = initBackendOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(options)"}: ${i.message}`)
      .join("; ");
    throw new Error(
      `initBackend: invalid options ${JSON.stringify(opts)}: ${issues} (allowed: backend auto|tensorflow|wasm|cpu, threads integer 1..256, quiet boolean)`,
    );
  }
  const o = parsed.data;
  const env = parseEnvBackend();
  const requested = o.backend ?? env ?? "auto";
  const requestSource = o.backend != null ? "option" : env != null ? "env KDET_BACKEND" : "default";
  const threads = o.threads ?? parseEnvThreads() ?? defaultWasmThreads();
  try {
    nativeRequested(); // an invalid KDET_NATIVE throws here, not later as a skipped wasm backend
  } catch (e) {
    throw new Error(`initBackend: ${(e as Error).message}`);
  }
  const order: BackendName[] = requested === "auto" ? ["tensorflow", "wasm", "cpu"] : [requested];
  const skipped: BackendInfo["skipped"] = [];
  for (const name of order) {
    try {
      let info: Pick<BackendInfo, "threads" | "kernels"> & { why: string };
      if (name === "tensorflow") {
        const pkg = await loadTensorflowBackend();
        await activate("tensorflow");
        info = { threads: null, kernels: [], why: `native libtensorflow from ${pkg.name}` };
      } else if (name === "wasm") {
        const w = await startWasm(threads);
        info = {
          threads: w.threads,
          kernels: WASM_TRAINING_KERNELS.map((k) => k.kernelName),
          why: `XNNPACK + kdet training kernels${w.note}`,
        };
      } else {
        await startCpu();
        info = {
          threads: 1,
          kernels: CPU_FIXES.map((k) => k.kernelName),
          why: "pure-JS kernels (slow) + kdet fixes",
        };
      }
      const source = requested === "auto" ? "auto" : `forced by ${requestSource}`;
      const skip =
        skipped.length > 0 ? `; skipped ${skipped.map((s) => `${s.backend} (${s.reason})`).join(", ")}` : "";
      const message = `kdet backend: ${name}${info.threads != null ? `, ${info.threads} thread(s)` : ""} [${source}] — ${info.why}${skip}`;
      report(name, requested, message, o.quiet ?? false);
      return {
        backend: name,
        requested,
        requestSource,
        threads: info.threads,
        kernels: info.kernels,
        skipped,
        message,
      };
    } catch (e) {
      const reason = (e as Error).message;
      if (requested !== "auto")
        throw new Error(`initBackend: backend '${name}' (${requestSource}) is not available: ${reason}`);
      skipped.push({ backend: name, reason });
    }
  }
  throw new Error(
    `initBackend: no backend could be initialized: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")}`,
  );
}

function report(name: BackendName, requested: BackendRequest, message: string, quiet: boolean): void {
  if (message === lastMessage) return;
  lastMessage = message;
  if (name === "cpu" && requested === "auto") {
    console.warn(
      `\n*** WARNING: ${message}\n*** Training on the pure-JS cpu backend is ~300x slower than wasm. ***\n`,
    );
  } else if (!quiet) {
    console.info(message);
  }
}
