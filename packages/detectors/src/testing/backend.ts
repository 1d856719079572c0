/** Test-only: the fast training backend (wasm + kdet kernels by default; env KDET_BACKEND overrides). */
// tfjs-core's main entry must load before @kdet/core's deep ESM imports (see the package README).
import "@tensorflow/tfjs-core";
import { initBackend } from "@kdet/core";

/** Activates the backend once per test file; call in `beforeAll`. */
export async function useTestBackend(): Promise<void> {
  await initBackend({ quiet: true });
}
