/**
 * Locating the pretrained teachers' model files inside installed npm packages (never downloaded) and loading a
 * TF.js graph model from disk with pure `@tensorflow/tfjs-core` + `@tensorflow/tfjs-converter` (no tfjs-node):
 * the `model.json` and its weight shards are read into memory and given to `tf.io.fromMemory`.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";

/** A teacher model file (json or weight shard) is missing or unreadable; `file` names it. */
export class TeacherModelError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${message}: ${file}`);
    this.name = "TeacherModelError";
  }
}

/**
 * Directory of an installed npm package, searched along Node's module lookup paths from this module (works for
 * packages whose `exports` hide `package.json`). Throws a {@link TeacherModelError} naming the package when absent.
 */
export function resolvePackageDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  for (const base of require.resolve.paths(pkg) ?? []) {
    const dir = path.join(base, pkg);
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  throw new TeacherModelError(
    pkg,
    `pretrained-teacher model package not installed (an optional peer dependency of @kdet/detectors; install it: npm install ${pkg})`,
  );
}

/** Path of `file` inside the installed package `pkg` (e.g. `models/centernet.json` in `@vladmandic/human`). */
export function packageModelPath(pkg: string, file: string): string {
  return path.join(resolvePackageDir(pkg), file);
}

function readFile(file: string, what: string): Buffer {
  if (!existsSync(file)) throw new TeacherModelError(file, `teacher ${what} not found`);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TeacherModelError(file, `cannot read teacher ${what} (${(e as Error).message})`);
  }
}

/**
 * Reads a TF.js graph model (`model.json` + the shards in its `weightsManifest`, in order, relative to the json's
 * folder) into memory and loads it with `tf.io.fromMemory`. Errors name the missing or malformed file.
 */
export async function loadGraphModelFile(jsonPath: string): Promise<GraphModel> {
  let json: Record<string, unknown> & {
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    json = JSON.parse(readFile(jsonPath, "model json").toString("utf8")) as typeof json;
  } catch (e) {
    if (e instanceof TeacherModelError) throw e;
    throw new TeacherModelError(jsonPath, `teacher model json is not valid JSON (${(e as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new TeacherModelError(
      jsonPath,
      "not a TF.js graph model json (no modelTopology / weightsManifest)",
    );
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) shards.push(readFile(path.join(path.dirname(jsonPath), p), "weight shard"));
  }
  const all = Buffer.concat(shards);
  // A Buffer may view a larger pooled ArrayBuffer: take exactly its bytes.
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: specs,
    weightData,
    format: json.format as string | undefined,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | null | undefined,
    signature: json.signature as object | undefined,
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts["userDefinedMetadata"],
    modelInitializer: json.modelInitializer as object | undefined,
    trainingConfig: json.trainingConfig as tf.io.TrainingConfig | undefined,
  };
  return loadGraphModel(tf.io.fromMemory(artifacts));
}
