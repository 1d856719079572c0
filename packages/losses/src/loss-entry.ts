/**
 * The shape of one entry of the loss registry: its static part `LossMeta` (what the loss consumes, its config
 * schema and what the distiller needs to know about it; `LOSS_META`, free of TensorFlow.js) and the full
 * `LossEntry` of `LOSSES`, which adds the factory.
 */
import type { z } from "zod";
import type { DistillLoss } from "./types";

/**
 * What a loss consumes, which is also the folder it lives in:
 * - `feature`: feature maps of one level (neck / backbone taps), possibly with ground-truth box masks;
 * - `head`: the head's outputs (class logits, box distributions), or features weighted by them;
 * - `relation`: relations across instances, positions or pyramid levels (contrastive instance
 *   embeddings, position attention, ReviewKD's cross-level fusion and pooled context).
 */
export type LossKind = "feature" | "head" | "relation";

/** Every {@link LossKind}, in the order the README lists them. */
export const LOSS_KINDS = ["feature", "head", "relation"] as const satisfies readonly LossKind[];

/** The static part of a registry entry. `S` is the family's zod config schema (discriminated by `type`). */
export interface LossMeta<S extends z.ZodType = z.ZodType> {
  /** What the loss consumes (see {@link LossKind}). */
  readonly kind: LossKind;
  /** zod config schema (`.strict()`, paper defaults, `type` literal). */
  readonly schema: S;
  /**
   * The term weight used when a distiller term gives none: the reference's loss weight (e.g. cwd 10,
   * pkd 6, at 500 = β/2), so a term `{ loss: { type } }` reproduces the reference's scale. The term
   * `weight` is the only user-facing weight; the loss itself computes the unweighted value (its
   * internal constants, such as FGD's α/β/γ/λ or DKD's α/β, stay in its config).
   */
  readonly defaultWeight: number;
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

/** One registry entry of `LOSSES`: the static {@link LossMeta} plus the factory. */
export interface LossEntry<S extends z.ZodType = z.ZodType, L extends DistillLoss = DistillLoss>
  extends LossMeta<S> {
  /** Factory from a parsed config. */
  readonly create: (config: z.output<S>) => L;
}

/** Types a static entry while keeping its precise schema and kind types (for `as const` tables). */
export function lossMeta<S extends z.ZodType, K extends LossKind>(
  entry: LossMeta<S> & { readonly kind: K },
): LossMeta<S> & { readonly kind: K } {
  return entry;
}
