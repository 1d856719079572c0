/**
 * Distillation methods `kdet demo --methods` accepts: each builds the terms for a student/teacher
 * pair from their neck channels (P3–P5, the same taps for every method), with the loss weights of
 * the reference configs (losses.md), so methods differ in the loss, not in where they look.
 */
import type { z } from "zod";
import type { TermSchema } from "./config-schema";

/** Neck channels (P3, P4, P5) of the student and the teacher. */
export interface PairChannels {
  student: number[];
  teacher: number[];
}

type TermInput = z.input<typeof TermSchema>;
const neck = { student: "neck.p{3..5}", teacher: "neck.p{3..5}" } as const;

/** Every demo method: a one-line description and its terms. */
export const DEMO_METHODS = {
  cwd: { description: "channel-wise distillation (spatial softmax KL per channel, τ=1) on P3–P5 with 1×1 adapters", terms: (): TermInput[] => [{ loss: { type: "cwd", tau: 1 }, weight: 1, ...neck, adapter: "auto" }] },
  mse: { description: "feature imitation (MSE) on P3–P5 with 1×1 adapters", terms: (): TermInput[] => [{ loss: { type: "mse" }, weight: 1, ...neck, adapter: "auto" }] },
  pkd: { description: "PKD: Pearson correlation of normalised features on P3–P5", terms: (): TermInput[] => [{ loss: { type: "pkd" }, weight: 1, ...neck, adapter: "auto" }] },
  mgd: { description: "MGD: masked generative distillation on P3–P5", terms: (c: PairChannels): TermInput[] => [{ loss: c.teacher.map((t) => ({ type: "mgd" as const, teacherChannels: t })), weight: 1, ...neck, adapter: "auto" }] },
  fgd: { description: "FGD: focal (box-masked) and global distillation on P3–P5", terms: (c: PairChannels): TermInput[] => [{ loss: c.teacher.map((t) => ({ type: "fgd" as const, teacherChannels: t })), weight: 1, ...neck, adapter: "auto" }] },
  fsd: { description: "FSD: foreground/background-separated feature distillation (seed method)", terms: (): TermInput[] => [{ loss: { type: "fsd" }, weight: 1, ...neck, adapter: "auto" }] },
  ckd: { description: "CKD: contrastive + imitation distillation of instance embeddings (seed method)", terms: (c: PairChannels): TermInput[] => [{ loss: { type: "ckd", teacherChannels: c.teacher }, weight: 1, ...neck, adapter: "auto" }] },
  rdkd: { description: "RDKD: region-decoupled distillation with top-down fusion (seed method)", terms: (c: PairChannels): TermInput[] => [{ loss: { type: "rdkd", studentChannels: c.student, teacherChannels: c.teacher }, weight: 1, ...neck }] },
} as const satisfies Record<string, { description: string; terms: (c: PairChannels) => TermInput[] }>;

/** A demo method's name. */
export type DemoMethod = keyof typeof DEMO_METHODS;

/** Method names in table order. */
export const DEMO_METHOD_NAMES = Object.keys(DEMO_METHODS) as DemoMethod[];
