import { createHash } from "node:crypto";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";

const require = createRequire(import.meta.url);

/** Absolute path of the `dist/` directory of the installed @tensorflow/tfjs-backend-wasm (holds the `.wasm` files), with a trailing separator. */
export function wasmDistDir(): string {
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
}

/** First characters of the threaded factory script tfjs-backend-wasm 4.x hands to its pthread workers as a Blob. */
const MAIN_SCRIPT_PREFIX = "var WasmBackendModuleThreadedSimd = ";
/** A phrase only the Emscripten pthread worker script (tfjs-backend-wasm's `wasmWorkerContents`) contains. */
const WORKER_SCRIPT_MARK = "e.data.urlOrBlob";

/**
 * Names the CommonJS bundle of tfjs-backend-wasm gives Node's modules; the threaded factory's
 * source refers to them, so the main script the workers evaluate must define them.
 */
function mainScriptPrelude(): string {
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  return (
    "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks')," +
    `require$$4=require('os'),commonjsGlobal=globalThis,__dirname=${JSON.stringify(dist)};\n`
  );
}

/**
 * Worker prelude: the pthread worker ignores the Blob it is sent in the `load` message and
 * evaluates the main script file instead (Node's `importScripts` shim reads a file path).
 */
function workerScriptPrelude(mainFile: string): string {
  return (
    '"use strict";(function(){var p=require("worker_threads").parentPort,on=p.on;' +
    'p.on=function(e,f){return on.call(this,e,e==="message"?function(d){' +
    `if(d&&d.cmd==="load")d.urlOrBlob=${JSON.stringify(mainFile)};return f(d)}:f)}})();\n`
  );
}

/** Writes `text` to `os.tmpdir()` under a content-hashed name (atomic rename: concurrent processes never see a partial file) and returns the path. */
function scriptFile(suffix: string, text: string): string {
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const file = path.join(os.tmpdir(), `kdet-tfjs-wasm-${hash}.${suffix}`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return file;
}

/** Emscripten's module object (`backend.wasm`) as far as kdet touches it. */
interface WasmModule {
  PThread?: PThreadPool;
  locateFile?: (file: string, prefix: string) => string;
}

/** Emscripten's pthread bookkeeping object (`Module.PThread`) as far as kdet touches it. */
interface PThreadPool {
  unusedWorkers: { unref(): void }[];
  runningWorkers: { unref(): void }[];
  allocateUnusedWorker: () => void;
  kdetUnref?: boolean;
}

let workerFile: string | undefined;

/**
 * Runs `start` — the first `tf.setBackend("wasm")` — so that tfjs-backend-wasm 4.x starts its
 * threaded build in Node with `threads` XNNPACK threads, without patching the package.
 * Upstream disables threads in Node (tensorflow/tfjs#3830; the threaded-wasm-in-Node PR #8059
 * was closed) for three reasons, each handled here for the duration of `start` only:
 * 1. the pthread worker script is a `blob:` URL, which Node's `Worker` rejects: `Blob` and
 *    `URL.createObjectURL` are wrapped so the worker script is written to a file in
 *    `os.tmpdir()` and its path returned;
 * 2. the workers load the threaded factory from a Blob: the factory source (with the names of
 *    the CommonJS bundle it refers to) is written to a second file, and a worker prelude loads
 *    that file instead;
 * 3. the C++ backend caps XNNPACK threads at half the logical cores (1 on a 2-core machine):
 *    `os.cpus()` (read by Emscripten's `emscripten_num_logical_cores`) reports `2 × threads`.
 * Also sets `WASM_HAS_MULTITHREAD_SUPPORT` and the thread count. Workers allocated later (more
 * threads than the pre-built pool) use the same file through `Module.locateFile`.
 */
export async function startThreadedWasm<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", threads > 1);
  wasm.setThreadsCount(threads);
  if (threads <= 1) return start();
  const NodeBlob = globalThis.Blob;
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const texts = new WeakMap<Blob, string>();
  let mainText: string | undefined;
  globalThis.Blob = class extends NodeBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (!Array.isArray(parts) || !parts.every((p) => typeof p === "string")) return;
      const text = parts.join("");
      texts.set(this, text);
      if (text.startsWith(MAIN_SCRIPT_PREFIX)) mainText = text;
    }
  };
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text == null || mainText == null || !text.includes(WORKER_SCRIPT_MARK)) return createObjectURL(blob);
    const mainFile = scriptFile("main.js", mainScriptPrelude() + mainText);
    workerFile = scriptFile("worker.js", workerScriptPrelude(mainFile) + text);
    return workerFile;
  };
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };
  try {
    return await start();
  } finally {
    globalThis.Blob = NodeBlob;
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    keepWorkerScript();
  }
}

/** The Emscripten module of the initialized wasm backend, or undefined. */
function wasmModule(): WasmModule | undefined {
  const backend = tf.findBackend("wasm") as unknown as { wasm?: WasmModule } | null;
  return backend?.wasm;
}

/** Points the module's `locateFile` for the worker script at the file written by `startThreadedWasm`. */
function keepWorkerScript(): void {
  const module = wasmModule();
  const file = workerFile;
  if (module == null || file == null) return;
  const locate = module.locateFile;
  module.locateFile = (name, prefix) => {
    if (name.endsWith(".worker.js")) return file;
    return locate != null ? locate(name, prefix) : prefix + name;
  };
}

/**
 * Lets the process exit while the threaded wasm backend is alive: `unref()`s every pthread worker
 * (otherwise the idle pool keeps Node running after `main` ends) and wraps `allocateUnusedWorker`
 * so that workers created later are unref'd too. Idempotent; a no-op for the single-threaded build.
 */
export function unrefWasmWorkers(): void {
  const pool = wasmModule()?.PThread;
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
