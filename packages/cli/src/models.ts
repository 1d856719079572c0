/**
 * Building the student and teacher from their config sections: a registry detector with the
 * dataset's class count, optionally initialised from a model folder (`weights`); a pretrained teacher; the
 * offline teacher cache of a run. Teachers come out as the `Teacher` interface of `@kdet/detectors`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ModelSection } from "./config-schema";
import { createBatchLoader, type BatchLoader, type Dataset } from "@kdet/data";
import {
  createDetector,
  datasetFingerprint,
  type Detector,
  loadDetector,
  loadTeacher,
  loadWeights,
  openTeacherCache,
  TeacherCacheError,
  type Teacher,
  type TeacherCache,
} from "./detectors-api";
import { type DetectorId, TEACHER_IDS, type TeacherId } from "./detectors-config";
import { CliError } from "./errors";

/** The detector config of a section (registry fields only), with the class count filled in. */
export function detectorConfig(section: ModelSection, numClasses: number): Record<string, unknown> {
  const { type: _t, weights: _w, train: _tr, ...cfg } = section as ModelSection & Record<string, unknown>;
  if (cfg.numClasses !== undefined && cfg.numClasses !== numClasses)
    throw new CliError(
      `model.numClasses: got ${String(cfg.numClasses)} but the dataset has ${numClasses} classes; allowed: ${numClasses} (or leave it out)`,
    );
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
  if (!existsSync(path.join(dir, "model.json")))
    throw new CliError(
      `${key}: ${JSON.stringify(dir)} is not a model folder (no model.json); allowed: a folder written by kdet train (runs/<name>/weights) or kdet export`,
    );
}

/** Loads a pretrained teacher from its installed npm package (offline); errors name `key` and the allowed ids. */
export async function loadPretrained(id: string, key: string): Promise<Teacher> {
  if (!(TEACHER_IDS as readonly string[]).includes(id))
    throw new CliError(`${key}: got ${JSON.stringify(id)}; allowed: ${TEACHER_IDS.join(", ")}`);
  try {
    return await loadTeacher(id as TeacherId);
  } catch (e) {
    throw new CliError(`${key}: cannot load the pretrained teacher ${id}: ${(e as Error).message}`);
  }
}

/** The loader a teacher cache is built from and checked against: the split, letterboxed, un-augmented. */
export function cacheLoader(
  ds: Dataset,
  data: { batchSize: number; imageSize: number; cache: boolean },
): BatchLoader {
  return createBatchLoader(ds, {
    batchSize: data.batchSize,
    size: data.imageSize,
    shuffle: false,
    augment: false,
    cache: data.cache,
  });
}

/**
 * Opens the teacher cache `dir` for a run: its manifest must match the teacher (`teacher.identity()`), hold `taps`, and
 * have been built from `dataset` at `imageSize`. The cache is a `Teacher` itself. A mismatch is an error naming `teacher.cache` and the manifest field.
 */
export async function openRunCache(
  dir: string,
  teacher: Teacher,
  taps: readonly string[],
  dataset: Dataset,
  imageSize: number,
): Promise<TeacherCache> {
  if (!existsSync(dir))
    throw new CliError(
      `teacher.cache: ${JSON.stringify(dir)} does not exist; allowed: a folder written by kdet cache build (run it first with this config)`,
    );
  try {
    return await openTeacherCache(dir, {
      teacher: teacher.identity(),
      taps,
      datasetFingerprint: datasetFingerprint(dataset),
      inputSize: [imageSize, imageSize],
    });
  } catch (e) {
    const field = e instanceof TeacherCacheError ? ` (manifest field ${e.field})` : "";
    throw new CliError(`teacher.cache${field}: ${(e as Error).message}`);
  }
}
