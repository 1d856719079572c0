import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedFamilyCases } from "./seed-losses-cases";
import { SEED_LOSSES, type SeedLossId } from "./seed-losses";
import { pyramidInputs, type PyramidSpec } from "./testing/family-cases";
import { useCpuBackend } from "./testing/backend";
import type { DistillLoss, LossContext } from "./types";

beforeAll(useCpuBackend);

const spec: PyramidSpec = {
  batch: 2,
  imageSize: 64,
  levels: [
    { label: "p3", stride: 8, channels: 8 },
    { label: "p4", stride: 16, channels: 16 },
  ],
  numClasses: 3,
  regMax: 4,
  seed: 3,
};

/**
 * Runs a case the way `Distiller` does (names expanded per level; multi-level families get one
 * instance and per-level arrays, the others one instance per level) — the seed types are not in
 * `LOSSES` yet, so `Distiller.create` itself would reject them.
 */
function runCase(id: SeedLossId, inputs: ReturnType<typeof pyramidInputs>): number {
  const term = seedFamilyCases(spec)[id].terms[0]!;
  const entry = SEED_LOSSES[id] as unknown as {
    schema: { parse(x: unknown): unknown };
    create(c: unknown): DistillLoss;
    multiLevel?: boolean;
  };
  const levels = term.levels!;
  const names = (p: string) => levels.map((l) => p.replace("{level}", l));
  const ss = names(term.student).map((n) => inputs.student[n]!);
  const ts = names(term.teacher).map((n) => inputs.teacher[n]!);
  const from = Object.entries(term.ctxFrom ?? {}).map(([key, v]) => {
    const [side, pattern] = v.split(":") as ["student" | "teacher", string];
    return { key, vals: names(pattern).map((n) => inputs[side][n]!) };
  });
  const config = entry.schema.parse(term.loss);
  return tf.tidy(() => {
    if (entry.multiLevel) {
      const loss = entry.create(config);
      const ctx: LossContext = { ...inputs.ctx, ...Object.fromEntries(from.map((f) => [f.key, f.vals])) };
      const v = loss.compute(ss, ts, ctx).total.dataSync()[0]!;
      loss.dispose();
      return v;
    }
    return levels.reduce((acc, _, i) => {
      const loss = entry.create(config);
      const ctx: LossContext = {
        ...inputs.ctx,
        level: i,
        levels: levels.length,
        ...Object.fromEntries(from.map((f) => [f.key, f.vals[i]])),
      };
      const v = loss.compute(ss[i]!, ts[i]!, ctx).total.dataSync()[0]!;
      loss.dispose();
      return acc + v;
    }, 0);
  });
}

describe("seed family cases (bench/losses, registry contract)", () => {
  for (const id of Object.keys(SEED_LOSSES) as SeedLossId[]) {
    it(`${id}: the case runs on the synthetic pyramid with a finite, positive loss and no leak`, () => {
      const inputs = pyramidInputs(spec);
      const before = tf.memory().numTensors;
      const v = runCase(id, inputs);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
      tf.dispose([...Object.values(inputs.student), ...Object.values(inputs.teacher)]);
    });
  }
});
