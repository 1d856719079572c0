/**
 * Test-only: which registered detectors the model-wide training tests run. By default the smallest model of each
 * family (fewest trainable parameters, BN statistics excluded, counted by building every entry once): every family's
 * head, loss, assigner and neck, at a fraction of the cost. With env `KDET_TEST_ALL_MODELS=1`: every registered
 * model (the larger scales and backbones of each family too).
 */
import { z } from "zod";
import { createDetector, DETECTOR_IDS, DETECTORS, type DetectorId } from "../registry";
import { countParams } from "../stats/model-stats";

const envSchema = z.enum(["", "0", "1"]);

/** Whether env `KDET_TEST_ALL_MODELS` asks for every registered model ("1"); unset, "" or "0": no. */
export function testAllModels(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.KDET_TEST_ALL_MODELS ?? "";
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`env KDET_TEST_ALL_MODELS='${raw}' is not allowed: use 1 (every model), 0 or unset`);
  return parsed.data === "1";
}

/**
 * The registered detector with the fewest trainable parameters in each family, in registry order. Builds every
 * entry once at `numClasses` (the head's class count changes the totals, not the ranking within a family) and
 * disposes it.
 */
export function smallestOfEachFamily(numClasses = 1): DetectorId[] {
  const best = new Map<string, { id: DetectorId; params: number }>();
  for (const id of DETECTOR_IDS) {
    const det = createDetector(id, { numClasses });
    const params = countParams(det);
    det.dispose();
    const family = DETECTORS[id].family;
    const cur = best.get(family);
    if (!cur || params < cur.params) best.set(family, { id, params });
  }
  const chosen = new Set([...best.values()].map((b) => b.id));
  return DETECTOR_IDS.filter((id) => chosen.has(id));
}

/**
 * The detectors a model-wide training test runs: every registered one under `KDET_TEST_ALL_MODELS=1`, else the
 * smallest of each family.
 */
export function testedDetectorIds(): DetectorId[] {
  return testAllModels() ? [...DETECTOR_IDS] : smallestOfEachFamily();
}
