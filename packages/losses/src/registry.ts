/**
 * `LOSSES`: every distillation-loss family of `@kdet/losses` in one typed const table, keyed by
 * id (= config `type`), and the config union derived from it.
 */
import { z } from "zod";
import { FEATURE_LOSSES } from "./feature-losses";
import { HEAD_LOSSES } from "./head-losses";
import { SEED_LOSSES } from "./seed-losses";
import type { LossEntry } from "./loss-entry";
import type { DistillLoss } from "./types";

/** Every loss family: feature-imitation, seed-method and head/logit families. */
export const LOSSES = { ...FEATURE_LOSSES, ...SEED_LOSSES, ...HEAD_LOSSES } as const;

/** A loss family id (= config `type`). */
export type LossId = keyof typeof LOSSES;

/** Every family id, in table order. */
export const LOSS_IDS = Object.keys(LOSSES) as LossId[];

/** Parsed config of any family (union discriminated by `type`). */
export type LossConfig = { [K in LossId]: z.output<(typeof LOSSES)[K]["schema"]> }[LossId];
/** Config of any family as written by a user (defaults optional). */
export type LossConfigInput = { [K in LossId]: z.input<(typeof LOSSES)[K]["schema"]> }[LossId];

/** zod schema of {@link LossConfig}: a discriminated union on `type` over every family's schema. */
export const LossConfigSchema = z.discriminatedUnion(
  "type",
  Object.values(LOSSES).map((e) => e.schema) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<LossConfig, LossConfigInput>;

/** The registry entry of a family id (error lists the known ids). */
export function lossEntryOf(id: string): LossEntry<z.ZodType, DistillLoss> {
  const e = (LOSSES as Record<string, LossEntry<z.ZodType, DistillLoss>>)[id];
  if (!e) throw new Error(`unknown loss type '${id}'; known: ${LOSS_IDS.join(", ")}`);
  return e;
}

/** Validates a config (zod, with the field path in the error) and creates the loss. */
export function createLoss(config: LossConfigInput): DistillLoss {
  const r = LossConfigSchema.safeParse(config);
  if (!r.success) throw new Error(`createLoss: invalid config: ${z.prettifyError(r.error)}`);
  return lossEntryOf(r.data.type).create(r.data);
}
