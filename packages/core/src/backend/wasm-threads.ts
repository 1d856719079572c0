import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";

const require = createRequire(import.meta.url);

/** Marker that the kdet patch of tfjs-backend-wasm 4.22.0 (patches/, pnpm `patchedDependencies`) defines. */
const PATCH_MARKER = "function nodeScriptFile(";

/** Absolute path of the `dist/` directory of the installed @tensorflow/tfjs-backend-wasm (holds the `.wasm` files), with a trailing separator. */
export function wasmDistDir(): string {
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
}

let patched: boolean | undefined;

/**
 * Whether the installed tfjs-backend-wasm carries the kdet threaded-wasm patch (kdet backend.md §5b:
 * pthread worker and main script written to files instead of blob: URLs, which Node's Worker
 * rejects; logical-core count overridable via `TFJS_WASM_LOGICAL_CORES`). Without it, wasm runs on
 * one thread in Node.
 */
export function wasmThreadsPatchApplied(): boolean {
  patched ??= readFileSync(require.resolve("@tensorflow/tfjs-backend-wasm"), "utf8").includes(PATCH_MARKER);
  return patched;
}

/** Emscripten's pthread bookkeeping object (`Module.PThread`) as far as kdet touches it. */
interface PThreadPool {
  unusedWorkers: { unref(): void }[];
  runningWorkers: { unref(): void }[];
  allocateUnusedWorker: () => void;
  kdetUnref?: boolean;
}

/** The `PThread` object of the initialized wasm backend, or undefined (single-threaded build). */
function pthreadPool(): PThreadPool | undefined {
  const backend = tf.findBackend("wasm") as unknown as { wasm?: { PThread?: PThreadPool } } | null;
  return backend?.wasm?.PThread;
}

/**
 * Lets the process exit while the threaded wasm backend is alive: `unref()`s every pthread worker
 * (kdet backend.md §5b: otherwise the idle pool keeps Node running after `main` ends) and wraps
 * `allocateUnusedWorker` so that workers created later are unref'd too. Idempotent; a no-op for
 * the single-threaded build.
 */
export function unrefWasmWorkers(): void {
  const pool = pthreadPool();
  if (pool == null) return;
  for (const w of [...pool.unusedWorkers, ...pool.runningWorkers]) w.unref();
  if (pool.kdetUnref) return;
  const allocate = pool.allocateUnusedWorker.bind(pool);
  pool.allocateUnusedWorker = () => {
    allocate();
    pool.unusedWorkers[pool.unusedWorkers.length - 1]?.unref();
  };
  pool.kdetUnref = true;
}
