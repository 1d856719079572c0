/**
 * Starting the tfjs backend for a command and reporting the choice (tensorflow with GPU, tensorflow, wasm, cpu).
 * TensorFlow.js is imported here on first use, so commands that never start a backend (help, config) never load it.
 */
import type { BackendInfo } from "@kdet/core";
import type { CliIo } from "./cli-io";
import { CliError } from "./errors";

/** Backends `--backend` / `backend:` accept. */
export const BACKENDS = ["auto", "tensorflow", "wasm", "cpu"] as const;

/** Initialises the requested backend (auto: tensorflow > wasm > cpu) and prints one line saying which runs. */
export async function startBackend(
  io: CliIo,
  backend: (typeof BACKENDS)[number] = "auto",
  threads?: number,
): Promise<BackendInfo> {
  const { initBackend } = await import("@kdet/core");
  try {
    const info = await initBackend({ backend, ...(threads ? { threads } : {}), quiet: true });
    io.stderr(`${info.message}\n`);
    return info;
  } catch (e) {
    throw new CliError(
      `backend ${backend}: ${(e as Error).message}; allowed: ${BACKENDS.join(", ")} (tensorflow needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu installed)`,
    );
  }
}
