/**
 * The shape of one entry of the loss registries (`HEAD_LOSSES`, `FEATURE_LOSSES`, `LOSSES`):
 * the config schema, the factory and what the distiller needs to know about the family.
 */
import type { z } from "zod";
import type { DistillLoss } from "./types";

/** One registry entry. `S` is the family's zod config schema (discriminated by `type`). */
export interface LossEntry<S extends z.ZodType = z.ZodType, L extends DistillLoss = DistillLoss> {
  /** zod config schema (`.strict()`, paper defaults, `type` literal). */
  readonly schema: S;
  /** Factory from a parsed config. */
  readonly create: (config: z.output<S>) => L;
  /** Paper (and reference code) of the family, for docs and reports. */
  readonly paper: string;
  /**
   * true when the loss needs all pyramid levels in one call (ABF fuses levels; DeFeat assigns boxes
   * to levels): the distiller then passes per-level arrays to one instance instead of expanding.
   */
  readonly multiLevel?: boolean;
  /** true when this config maps student channels to teacher channels itself (align conv, projector, ABF). */
  readonly alignsChannels?: (config: z.output<S>) => boolean;
  /** true when the loss resizes student/teacher maps of different H/W itself (PKD). */
  readonly resizesSpatially?: boolean;
}

/** Types an entry while keeping its precise schema and loss types (for `as const` tables). */
export function lossEntry<S extends z.ZodType, L extends DistillLoss>(
  entry: LossEntry<S, L>,
): LossEntry<S, L> {
  return entry;
}
