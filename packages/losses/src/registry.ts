/**
 * `LOSSES`: every distillation loss of `@kdet/losses` in one typed const table, keyed by id (= config `type`):
 * the static entry of `LOSS_META` (kind, paper, reference weight, config schema; free of TensorFlow.js)
 * extended with the family's factory.
 */
import { z } from "zod";
import { createMse } from "./feature/mse";
import { createCwd } from "./feature/cwd";
import { createAt } from "./feature/at";
import { createPkd } from "./feature/pkd";
import { createFgd } from "./feature/fgd";
import { createMgd } from "./feature/mgd";
import { createFgfi } from "./feature/fgfi";
import { createDefeat } from "./feature/defeat";
import { createFbkd } from "./feature/fbkd";
import { createFsd } from "./feature/fsd";
import { createKd } from "./head/kd";
import { createDkd } from "./head/dkd";
import { createLd } from "./head/ld";
import { createQflKd } from "./head/qfl-kd";
import { createPgd } from "./head/pgd";
import { createScoreL2 } from "./head/score-l2";
import { createConfidence } from "./head/confidence";
import { createAdaptive } from "./head/adaptive";
import { createHcl } from "./relation/hcl";
import { createAbf } from "./relation/abf";
import { createCkd } from "./relation/ckd";
import { createRdkd } from "./relation/rdkd";
import type { LossEntry } from "./loss-entry";
import { LOSS_IDS, LOSS_META, LossConfigSchema, type LossConfigInput, type LossId } from "./loss-meta";
import type { DistillLoss } from "./types";

/** The factory of every family (the one thing `LOSSES` adds to `LOSS_META`). */
const FACTORIES = {
  mse: createMse,
  cwd: createCwd,
  at: createAt,
  pkd: createPkd,
  fgd: createFgd,
  mgd: createMgd,
  fgfi: createFgfi,
  defeat: createDefeat,
  fbkd: createFbkd,
  fsd: createFsd,
  kd: createKd,
  dkd: createDkd,
  ld: createLd,
  "qfl-kd": createQflKd,
  pgd: createPgd,
  "score-l2": createScoreL2,
  confidence: createConfidence,
  adaptive: createAdaptive,
  hcl: createHcl,
  abf: createAbf,
  ckd: createCkd,
  rdkd: createRdkd,
} as const satisfies { [K in LossId]: (config: z.output<(typeof LOSS_META)[K]["schema"]>) => DistillLoss };

/** Every loss family, grouped by kind: the static entry of `LOSS_META` plus its factory `create`. */
export const LOSSES = Object.fromEntries(
  LOSS_IDS.map((id) => [id, { ...LOSS_META[id], create: FACTORIES[id] }]),
) as { readonly [K in LossId]: (typeof LOSS_META)[K] & { readonly create: (typeof FACTORIES)[K] } };

/** The registry entry of a family id (error lists the known ids). */
export function lossEntryOf(id: string): LossEntry<z.ZodType, DistillLoss> {
  const e = (LOSSES as unknown as Record<string, LossEntry<z.ZodType, DistillLoss>>)[id];
  if (!e) throw new Error(`unknown loss type '${id}'; known: ${LOSS_IDS.join(", ")}`);
  return e;
}

/** Validates a config (zod, with the field path in the error) and creates the loss. */
export function createLoss(config: LossConfigInput): DistillLoss {
  const r = LossConfigSchema.safeParse(config);
  if (!r.success) throw new Error(`createLoss: invalid config: ${z.prettifyError(r.error)}`);
  return lossEntryOf(r.data.type).create(r.data);
}
