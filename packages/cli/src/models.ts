/**
 * Building the student and teacher from their config sections: a registry detector with the
 * dataset's class count, optionally initialised from a model folder (`weights`).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ModelSection } from "./config-schema";
import { createDetector, loadDetector, loadWeights, namedVariables, type Detector, type DetectorId } from "./detectors-api";
import { CliError } from "./errors";

/** The detector config of a section (registry fields only), with the class count filled in. */
export function detectorConfig(section: ModelSection, numClasses: number): Record<string, unknown> {
  const { type: _t, weights: _w, train: _tr, ...cfg } = section as ModelSection & Record<string, unknown>;
  if (cfg.numClasses !== undefined && cfg.numClasses !== numClasses) throw new CliError(`model.numClasses: got ${String(cfg.numClasses)} but the dataset has ${numClasses} classes; allowed: ${numClasses} (or leave it out)`);
  return { ...cfg, numClasses };
}

/** Creates the section's detector (fresh weights), then loads `weights` when given. */
export async function buildModel(section: ModelSection, numClasses: number, key: string): Promise<Detector> {
  let det: Detector;
  try {
    det = createDetector(section.type as DetectorId, detectorConfig(section, numClasses) as never);
  } catch (e) {
    throw new CliError(`${key}: ${(e as Error).message}`);
  }
  if (section.weights) {
    checkModelFolder(section.weights, `${key}.weights`);
    try {
      await loadWeights(det, section.weights);
    } catch (e) {
      det.dispose();
      throw new CliError(`${key}.weights: ${(e as Error).message}`);
    }
  }
  return det;
}

/** Loads a saved detector (registry id and config from its model.json), in inference mode. */
export async function loadModelFolder(dir: string, key: string): Promise<Detector> {
  checkModelFolder(dir, key);
  try {
    return (await loadDetector(dir)).train(false);
  } catch (e) {
    throw new CliError(`${key}: ${(e as Error).message}`);
  }
}

function checkModelFolder(dir: string, key: string): void {
  if (!existsSync(path.join(dir, "model.json"))) throw new CliError(`${key}: ${JSON.stringify(dir)} is not a model folder (no model.json); allowed: a folder written by kdet train (runs/<name>/weights) or kdet export`);
}

/** Number of trainable parameters (BatchNorm running statistics excluded), as counted by PyTorch/ultralytics. */
export function countParams(model: Detector): number {
  return namedVariables(model)
    .filter((v) => v.kind !== "buffer")
    .reduce((a, v) => a + v.variable.size, 0);
}
