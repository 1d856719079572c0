/**
 * The shape of one entry of the loss registry `LOSSES`: what the loss consumes (`kind`), its config
 * schema, its factory and what the distiller needs to know about it.
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

/** One registry entry. `S` is the family's zod config schema (discriminated by `type`). */
export interface LossEntry<S extends z.ZodType = z.ZodType, L extends DistillLoss = DistillLoss> {
  /** What the loss consumes (see {@link LossKind}). */
  readonly kind: LossKind;
  /** zod config schema (`.strict()`, paper defaults, `type` literal). */
  readonly schema: S;
  /** Factory from a parsed config. */
  readonly create: (config: z.output<S>) => L;
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

/** Types an entry while keeping its precise schema, loss and kind types (for `as const` tables). */
export function lossEntry<S extends z.ZodType, L extends DistillLoss, K extends LossKind>(
  entry: LossEntry<S, L> & { readonly kind: K },
): LossEntry<S, L> & { readonly kind: K } {
  return entry;
}
