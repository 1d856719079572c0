/**
 * Distillation methods `kdet demo --methods` accepts: each builds the terms for a student/teacher
 * pair from their neck channels. Feature methods use the same taps (neck P3–P5), so they differ in
 * the loss, not in where they look; `qfl-kd` reads the head's class logits. Each term's `weight` is
 * its only weight (`total += weight · loss`): cwd and qfl-kd were tuned on the demo's val split
 * (3 seeds, 2 weights each); the others are the references' loss weights (the registry's
 * `defaultWeight`, written out here so the table shows every effective weight).
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
  // weight 50 (= 5 × mmrazor's FPN loss weight 10): tuned on the demo's val split over 3 student seeds —
  // weight 10: +0.5 val mAP, weight 50: +4.7 (see README)
  cwd: {
    description:
      "channel-wise distillation (spatial softmax KL per channel, τ=1) on P3–P5 with 1×1 adapters, weight 50",
    terms: (): TermInput[] => [{ loss: { type: "cwd", tau: 1 }, weight: 50, ...neck, adapter: "auto" }],
  },
  // response-based: the teacher's class probabilities as soft targets on the head logits; mean-reduced over
  // every (position, class), hence the large weight (tuned on val: 50 → +3.8, 200 → +4.5 val mAP)
  "qfl-kd": {
    description: "soft-label (QFL-style) KD of the class logits of the head, P3–P5, weight 200",
    terms: (): TermInput[] => [
      { loss: { type: "qfl-kd" }, weight: 200, student: "head.cls.p{3..5}", teacher: "head.cls.p{3..5}" },
    ],
  },
  // both of the above, each at its own tuned weight
  "cwd-qfl": {
    description: "cwd and qfl-kd together (feature + response distillation)",
    terms: (): TermInput[] => [...DEMO_METHODS.cwd.terms(), ...DEMO_METHODS["qfl-kd"].terms()],
  },
  mse: {
    description: "feature imitation (MSE) on P3–P5 with 1×1 adapters",
    terms: (): TermInput[] => [{ loss: { type: "mse" }, weight: 10, ...neck, adapter: "auto" }],
  },
  pkd: {
    description: "PKD: Pearson correlation of normalised features on P3–P5",
    terms: (): TermInput[] => [{ loss: { type: "pkd" }, weight: 6, ...neck, adapter: "auto" }],
  },
  mgd: {
    description: "MGD: masked generative distillation on P3–P5",
    terms: (c: PairChannels): TermInput[] => [
      {
        loss: c.teacher.map((t) => ({ type: "mgd" as const, teacherChannels: t })),
        weight: 1,
        ...neck,
        adapter: "auto",
      },
    ],
  },
  fgd: {
    description: "FGD: focal (box-masked) and global distillation on P3–P5",
    terms: (c: PairChannels): TermInput[] => [
      {
        loss: c.teacher.map((t) => ({ type: "fgd" as const, teacherChannels: t })),
        weight: 1,
        ...neck,
        adapter: "auto",
      },
    ],
  },
  fsd: {
    description:
      "FSD (the authors' fg_bgLoss): Gaussian fg/bg masks, per-channel softmax KL, FGD attention and relation, P3–P5",
    terms: (c: PairChannels): TermInput[] => [
      {
        loss: c.teacher.map((t, i) => ({
          type: "fsd" as const,
          studentChannels: c.student[i]!,
          teacherChannels: t,
        })),
        weight: 1,
        ...neck,
      },
    ],
  },
  ckd: {
    description:
      "CKD: contrastive + imitation distillation of instance embeddings (our design from the paper)",
    terms: (c: PairChannels): TermInput[] => [
      { loss: { type: "ckd", teacherChannels: c.teacher }, weight: 1, ...neck, adapter: "auto" },
    ],
  },
  rdkd: {
    description: "RDKD: region-decoupled distillation with top-down fusion (our design from the paper)",
    terms: (c: PairChannels): TermInput[] => [
      { loss: { type: "rdkd", studentChannels: c.student, teacherChannels: c.teacher }, weight: 1, ...neck },
    ],
  },
} as const satisfies Record<string, { description: string; terms: (c: PairChannels) => TermInput[] }>;

/** A demo method's name. */
export type DemoMethod = keyof typeof DEMO_METHODS;

/** Method names in table order. */
export const DEMO_METHOD_NAMES = Object.keys(DEMO_METHODS) as DemoMethod[];
