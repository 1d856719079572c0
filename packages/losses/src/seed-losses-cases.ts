/**
 * Distiller setups of the seed families on the synthetic pyramid of `testing/family-cases.ts`
 * (names `neck.<l>`, `cls.<l>`), for the registry contract test and `bench/losses`: merge with
 * `{ ...familyCases(spec), ...seedFamilyCases(spec) }` once SEED_LOSSES is in `LOSSES`.
 * Test/bench-only module: not exported from the package index.
 */
import type { SeedLossId } from "./seed-losses";
import type { FamilyCase, PyramidSpec } from "./testing/family-cases";

/** One case per seed family (teacher `cls.<l>` are logits, hence `scoreKind: "logits"`). */
export function seedFamilyCases(spec: PyramidSpec): Record<SeedLossId, FamilyCase> {
  const levels = spec.levels.map((l) => l.label);
  const ch = spec.levels.map((l) => l.channels);
  const neck = { student: "neck.{level}", teacher: "neck.{level}", levels };
  return {
    fsd: { terms: [{ loss: { type: "fsd" }, ...neck }] },
    rdkd: { terms: [{ loss: { type: "rdkd", studentChannels: ch, teacherChannels: ch }, ...neck }] },
    ckd: { terms: [{ loss: { type: "ckd", teacherChannels: ch }, ...neck }] },
    confidence: {
      terms: [
        {
          loss: { type: "confidence", scoreKind: "logits" },
          ...neck,
          ctxFrom: { teacherScores: "teacher:cls.{level}", studentCls: "student:cls.{level}" },
        },
      ],
    },
    adaptive: {
      terms: [
        {
          loss: { type: "adaptive", scoreKind: "logits" },
          student: "cls.{level}",
          teacher: "cls.{level}",
          levels,
        },
      ],
    },
  } as unknown as Record<SeedLossId, FamilyCase>;
}
