/**
 * tfjs for the benchmark. bench/ is not a workspace package, so @tensorflow/* are resolved from
 * packages/core (the same instances @kdet/core uses): `require` of the CJS builds at runtime,
 * types from the package directory.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type * as TF from "../../packages/core/node_modules/@tensorflow/tfjs-core";

const coreRequire = createRequire(new URL("../../packages/core/package.json", import.meta.url));

export type { TF };
export const tf: typeof TF = coreRequire("@tensorflow/tfjs-core");

/** The tfjs-wasm module (setWasmPaths, setThreadsCount, …). */
export const tfWasm = coreRequire("@tensorflow/tfjs-backend-wasm") as {
  setWasmPaths(prefix: string): void;
  setThreadsCount(n: number): void;
};

/** Registers tfjs-core's gradients (its ESM build; needs the tfjs ESM hook of packages/cli/src/testing under tsx). */
export async function registerGradients(): Promise<void> {
  await import(
    pathToFileURL(coreRequire.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js")).href
  );
}

/** Imports the cpu backend (registers 'cpu'). */
export function loadCpuBackend(): void {
  coreRequire("@tensorflow/tfjs-backend-cpu");
}
