import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

/** Packages that register tfjs backend 'tensorflow' (libtensorflow via N-API), in order of preference. */
export const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** Where a tensorflow package was found. */
export interface TensorflowPackage {
  name: (typeof TENSORFLOW_PACKAGES)[number];
  path: string;
}

/**
 * Finds the first installed package of `TENSORFLOW_PACKAGES`, searching from each directory of
 * `searchDirs` in turn (default: this module's location, then `process.cwd()` — with pnpm's strict
 * layout a user's tfjs-node is only visible from the user's project). They are never dependencies
 * of kdet: their install downloads libtensorflow.
 */
export function findTensorflowPackage(
  searchDirs: readonly string[] = defaultSearchDirs(),
): TensorflowPackage | null {
  for (const name of TENSORFLOW_PACKAGES) {
    for (const dir of searchDirs) {
      try {
        return { name, path: createRequire(path.join(dir, "noop.js")).resolve(name) };
      } catch {
        // not installed where seen from `dir`
      }
    }
  }
  return null;
}

function defaultSearchDirs(): string[] {
  return [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
}

/**
 * Imports the first installed tensorflow package (which registers backend 'tensorflow') and
 * returns its name; throws with an explanation when none is installed, its import fails (e.g. no
 * libtensorflow / CUDA libraries) or it registered no 'tensorflow' backend.
 */
export async function loadTensorflowBackend(searchDirs?: readonly string[]): Promise<TensorflowPackage> {
  const pkg = findTensorflowPackage(searchDirs);
  if (pkg == null) {
    throw new Error(
      `neither ${TENSORFLOW_PACKAGES.join(" nor ")} is installed (GPU: pnpm add @tensorflow/tfjs-node-gpu@4.22.0 and allow its build script)`,
    );
  }
  try {
    await import(pathToFileURL(pkg.path).href);
  } catch (e) {
    throw new Error(`${pkg.name} is installed at ${pkg.path} but failed to load: ${(e as Error).message}`);
  }
  if (tf.findBackendFactory("tensorflow") == null) {
    throw new Error(
      `${pkg.name} loaded from ${pkg.path} but registered no 'tensorflow' backend with this @tensorflow/tfjs-core`,
    );
  }
  return pkg;
}
