/**
 * Distillation method presets: `distill: {method: fgd}` in a config, `kdet distill --method fgd`, and the methods
 * `kdet demo` compares. A preset builds the terms of a student/teacher pair from the two models' descriptions —
 * the student's tappable maps (`featureInfo`) and the teacher's described maps (`Teacher.maps`) — so every
 * per-level channel setting, stride, bin count and adapter is filled in; the raw `distill: [terms]` stay for
 * experts. One preset per registered loss plus `cwd-qfl`. Feature presets tap the neck (P3–P5 by default, `levels`
 * chooses), head presets the head's `cls` / `box` maps. Dense targets (`targets:assigned.<level>`, `fg`, `bg`) are
 * computed by the trainer from the ground truth (`distillTargets` of `@kdet/detectors`).
 *
 * Weights: cwd (50) and qfl-kd (200) were tuned on the demo's val split (3 seeds, 2 weights each); every other
 * preset uses the references' loss weight (the registry's `defaultWeight`).
 */
import type { DistillTermConfigInput, LossKind } from "@kdet/losses/config";
import { CliError } from "./errors";

/** A term as a preset writes it (`adapter: auto`: 1×1 convs where the channels differ). */
type TermInput = Omit<DistillTermConfigInput, "adapter"> & {
  adapter?: DistillTermConfigInput["adapter"] | "auto";
};

/** Channels (and stride, for module outputs) of a named map of either side. */
export interface PairMapInfo {
  channels: number;
  stride?: number;
}

/** What a preset reads of a student/teacher pair. */
export interface MethodPair {
  /** The student's tappable maps by name (`neck.p3`, `head.cls.p3`, …). */
  student: Readonly<Record<string, PairMapInfo>>;
  /** The teacher's described maps by name. */
  teacher: Readonly<Record<string, PairMapInfo>>;
  /** Pyramid level labels (`p3`, `p4`, `p5`). */
  levels: readonly string[];
  /** Predictions per location of the student's head (1 for anchor-point heads; RetinaNet 9). */
  anchorsPerLocation: number;
}

/** A method preset: its kind (the loss kind, or `combined`), a one-line description and its terms. */
export interface MethodPreset {
  kind: LossKind | "combined";
  description: string;
  terms: (p: MethodPair) => TermInput[];
}

const neck = (p: MethodPair) => ({ student: "neck.{level}", teacher: "neck.{level}", levels: [...p.levels] });
const head = (p: MethodPair, branch: string) => ({
  student: `head.${branch}.{level}`,
  teacher: `head.${branch}.{level}`,
  levels: [...p.levels],
});

/** Channels of `<prefix>.<level>` of one side per level; a missing map refuses the method with the reason. */
function channels(p: MethodPair, side: "student" | "teacher", prefix: string, method: string): number[] {
  return p.levels.map((l) => {
    const i = p[side][`${prefix}.${l}`];
    if (!i)
      throw new CliError(
        `distill.method ${method}: the ${side} has no map "${prefix}.${l}" (the method reads ${prefix}.<level>); ${side} maps: ${Object.keys(
          p[side],
        )
          .filter((n) => n.split(".").length <= 3)
          .join(", ")}`,
      );
    return i.channels;
  });
}
/** Strides of the student's neck levels (as described; a level `pN` without a description has stride 2^N). */
const strides = (p: MethodPair) =>
  p.levels.map((l) => p.student[`neck.${l}`]?.stride ?? 2 ** Number(l.slice(1)));

/** Class-logit methods need one prediction per location (a softmax over the classes of each location). */
function onePerLocation(p: MethodPair, method: string): void {
  if (p.anchorsPerLocation !== 1)
    throw new CliError(
      `distill.method ${method}: the student's head predicts ${p.anchorsPerLocation} anchors per location (class channels are anchor-major), the method needs one class distribution per location; allowed: an anchor-point student (yolov8, gfl, fcos, yolox)`,
    );
}

/**
 * Methods on class scores need the same classes on both sides (a teacher trained on the same label set). Checked
 * where both sides describe `head.cls.<level>`; a missing map is named when the terms are resolved.
 */
function sameClasses(p: MethodPair, method: string): void {
  const s = p.levels.map((l) => p.student[`head.cls.${l}`]?.channels);
  const t = p.levels.map((l) => p.teacher[`head.cls.${l}`]?.channels);
  if (s.some((c, i) => c !== undefined && t[i] !== undefined && c !== t[i]))
    throw new CliError(
      `distill.method ${method}: the student's head.cls has ${s.join("/")} channels, the teacher's ${t.join("/")}; the method compares class scores, allowed: a teacher of the same classes (or a feature method such as cwd)`,
    );
}

/**
 * DFL bins per box side when both heads predict box distributions with the same bins at every level (channels
 * 4·B, B ≥ 2, one prediction per location), else undefined.
 */
function dflBins(p: MethodPair): number | undefined {
  if (p.anchorsPerLocation !== 1) return undefined;
  const c = p.levels.flatMap((l) => [
    p.student[`head.box.${l}`]?.channels,
    p.teacher[`head.box.${l}`]?.channels,
  ]);
  const bins = (c[0] ?? 0) / 4;
  return Number.isInteger(bins) && bins >= 2 && c.every((x) => x === c[0]) ? bins : undefined;
}

/** Every method preset, keyed by id. */
export const METHODS = {
  cwd: {
    kind: "feature",
    description:
      "channel-wise distillation (spatial softmax KL per channel, τ=1) on the neck, 1×1 adapters, weight 50",
    terms: (p) => [{ loss: { type: "cwd", tau: 1 }, weight: 50, ...neck(p), adapter: "auto" }],
  },
  "qfl-kd": {
    kind: "head",
    description: "soft-label (QFL-style) KD of the head's class logits, weight 200",
    terms: (p) => (sameClasses(p, "qfl-kd"), [{ loss: { type: "qfl-kd" }, weight: 200, ...head(p, "cls") }]),
  },
  "cwd-qfl": {
    kind: "combined",
    description: "cwd and qfl-kd together (feature + response distillation)",
    terms: (p): TermInput[] => [
      (sameClasses(p, "cwd-qfl"), { loss: { type: "cwd", tau: 1 }, weight: 50, ...neck(p), adapter: "auto" }),
      { loss: { type: "qfl-kd" }, weight: 200, ...head(p, "cls") },
    ],
  },
  mse: {
    kind: "feature",
    description: "feature imitation (MSE) on the neck with 1×1 adapters",
    terms: (p) => [{ loss: { type: "mse" }, weight: 10, ...neck(p), adapter: "auto" }],
  },
  pkd: {
    kind: "feature",
    description: "PKD: Pearson correlation of normalised neck features",
    terms: (p) => [{ loss: { type: "pkd" }, weight: 6, ...neck(p), adapter: "auto" }],
  },
  mgd: {
    kind: "feature",
    description: "MGD: masked generative distillation on the neck",
    terms: (p) => [
      {
        loss: channels(p, "teacher", "neck", "mgd").map((t) => ({
          type: "mgd" as const,
          teacherChannels: t,
        })),
        weight: 1,
        ...neck(p),
        adapter: "auto",
      },
    ],
  },
  fgd: {
    kind: "feature",
    description: "FGD: focal (box-masked) and global distillation on the neck",
    terms: (p) => [
      {
        loss: channels(p, "teacher", "neck", "fgd").map((t) => ({
          type: "fgd" as const,
          teacherChannels: t,
        })),
        weight: 1,
        ...neck(p),
        adapter: "auto",
      },
    ],
  },
  fsd: {
    kind: "feature",
    description:
      "FSD (the authors' fg_bgLoss): Gaussian fg/bg masks, per-channel softmax KL, FGD attention and relation",
    terms: (p) => {
      const s = channels(p, "student", "neck", "fsd");
      return [
        {
          loss: channels(p, "teacher", "neck", "fsd").map((t, i) => ({
            type: "fsd" as const,
            studentChannels: s[i]!,
            teacherChannels: t,
          })),
          weight: 1,
          ...neck(p),
        },
      ];
    },
  },
  at: {
    kind: "feature",
    description: "attention transfer: normalised spatial attention maps of the neck (any channel counts)",
    terms: (p) => [{ loss: { type: "at" }, ...neck(p) }],
  },
  fgfi: {
    kind: "feature",
    description: "fine-grained feature imitation near anchors of GT boxes, 3×3 adaptation per level",
    terms: (p) => {
      const s = channels(p, "student", "neck", "fgfi");
      const st = strides(p);
      return [
        {
          loss: channels(p, "teacher", "neck", "fgfi").map((t, i) => ({
            type: "fgfi" as const,
            studentChannels: s[i]!,
            teacherChannels: t,
            featStride: st[i]!,
          })),
          ...neck(p),
        },
      ];
    },
  },
  defeat: {
    kind: "feature",
    description: "DeFeat: decoupled foreground/background imitation, one term per level",
    terms: (p) => {
      const t = channels(p, "teacher", "neck", "defeat");
      const st = strides(p);
      return p.levels.map((l, i) => ({
        name: `defeat-${l}`,
        loss: { type: "defeat" as const, teacherChannels: t[i]!, strides: [st[i]!] },
        ...neck(p),
        levels: [l],
        adapter: "auto" as const,
      }));
    },
  },
  fbkd: {
    kind: "feature",
    description: "FBKD: frequency/non-local feature distillation on the neck",
    terms: (p) => [
      {
        loss: channels(p, "teacher", "neck", "fbkd").map((t) => ({
          type: "fbkd" as const,
          teacherChannels: t,
        })),
        ...neck(p),
        adapter: "auto",
      },
    ],
  },
  ckd: {
    kind: "relation",
    description:
      "CKD: contrastive + imitation distillation of instance embeddings (our design from the paper)",
    terms: (p) => [
      {
        loss: { type: "ckd", teacherChannels: channels(p, "teacher", "neck", "ckd") },
        weight: 1,
        ...neck(p),
        adapter: "auto",
      },
    ],
  },
  rdkd: {
    kind: "relation",
    description: "RDKD: region-decoupled distillation with top-down fusion (our design from the paper)",
    terms: (p) => [
      {
        loss: {
          type: "rdkd",
          studentChannels: channels(p, "student", "neck", "rdkd"),
          teacherChannels: channels(p, "teacher", "neck", "rdkd"),
        },
        weight: 1,
        ...neck(p),
      },
    ],
  },
  hcl: {
    kind: "relation",
    description: "ReviewKD's hierarchical context loss on the neck, 1×1 adapters",
    terms: (p) => [{ loss: { type: "hcl" }, ...neck(p), adapter: "auto" }],
  },
  abf: {
    kind: "relation",
    description: "ReviewKD: attention-based fusion of the neck levels, then HCL",
    terms: (p) => {
      const t = channels(p, "teacher", "neck", "abf");
      return [
        {
          loss: {
            type: "abf",
            studentChannels: channels(p, "student", "neck", "abf"),
            teacherChannels: t,
            midChannel: Math.min(...t),
          },
          ...neck(p),
        },
      ];
    },
  },
  kd: {
    kind: "head",
    description: "Hinton KD: softmax over the classes of every location of the head's class logits",
    terms: (p) => (
      onePerLocation(p, "kd"), sameClasses(p, "kd"), [{ loss: { type: "kd" }, ...head(p, "cls") }]
    ),
  },
  dkd: {
    kind: "head",
    description: "DKD on the head's class logits at locations assigned to a GT box (dense targets)",
    terms: (p) => (
      onePerLocation(p, "dkd"),
      sameClasses(p, "dkd"),
      [
        {
          loss: { type: "dkd", background: "skip" },
          ...head(p, "cls"),
          ctxFrom: { gtLabels: "targets:assigned.{level}" },
        },
      ]
    ),
  },
  ld: {
    kind: "head",
    description: "localisation distillation of the head's box distributions (DFL heads: yolov8, gfl)",
    terms: (p) => {
      onePerLocation(p, "ld");
      const s = channels(p, "student", "head.box", "ld");
      const t = channels(p, "teacher", "head.box", "ld");
      const bins = s[0]! / 4;
      if (!Number.isInteger(bins) || bins < 2 || s.some((c, i) => c !== s[0] || c !== t[i]))
        throw new CliError(
          `distill.method ld: box channels student ${s.join("/")}, teacher ${t.join("/")}; the method needs box distributions (4 sides × the same number of bins ≥ 2) in both heads; allowed: two DFL heads with equal bins (yolov8 → yolov8, gfl → gfl)`,
        );
      return [
        {
          loss: { type: "ld", regMax: bins - 1 },
          ...head(p, "box"),
          ctxFrom: { studentCls: "student:head.cls.{level}", assignedLabels: "targets:assigned.{level}" },
        },
      ];
    },
  },
  pgd: {
    kind: "head",
    description: "PGD: fg/bg-masked (cls) and fg-weighted (reg) imitation of the neck, 1×1 adapters",
    terms: (p): TermInput[] => [
      {
        name: "pgd-cls",
        loss: { type: "pgd", branch: "cls" },
        ...neck(p),
        adapter: "auto",
        ctxFrom: { maskFg: "targets:fg.{level}", maskBg: "targets:bg.{level}" },
      },
      {
        name: "pgd-reg",
        loss: { type: "pgd", branch: "reg" },
        ...neck(p),
        adapter: "auto",
        ctxFrom: { maskFg: "targets:fg.{level}" },
      },
    ],
  },
  "score-l2": {
    kind: "head",
    description:
      "ultralytics' score-weighted L2 of projected neck features (teacher class scores as weights)",
    terms: (p) => {
      const s = channels(p, "student", "neck", "score-l2");
      return [
        {
          loss: channels(p, "teacher", "neck", "score-l2").map((t, i) => ({
            type: "score-l2" as const,
            studentChannels: s[i]!,
            teacherChannels: t,
          })),
          ...neck(p),
          ctxFrom: { teacherScores: "teacher:head.cls.{level}" },
        },
      ];
    },
  },
  confidence: {
    kind: "head",
    description:
      "confidence-guided feature and head distillation (our design from the thesis); loss.boxWeight adds the box-distribution term (DFL heads)",
    terms: (p): TermInput[] => (
      sameClasses(p, "confidence"),
      [
        {
          loss: { type: "confidence", scoreKind: "logits" },
          ...neck(p),
          adapter: "auto",
          ctxFrom: {
            teacherScores: "teacher:head.cls.{level}",
            studentCls: "student:head.cls.{level}",
            // the box maps of two DFL heads with the same bins (read only with loss.boxWeight > 0)
            ...(dflBins(p)
              ? { teacherBox: "teacher:head.box.{level}", studentBox: "student:head.box.{level}" }
              : {}),
          },
        },
      ]
    ),
  },
  adaptive: {
    kind: "head",
    description: "adaptive soft-label distillation of the head's class scores (our design from the thesis)",
    terms: (p) => (
      sameClasses(p, "adaptive"), [{ loss: { type: "adaptive", scoreKind: "logits" }, ...head(p, "cls") }]
    ),
  },
} as const satisfies Record<string, MethodPreset>;
// cwd-qfl repeats the two terms above (a table entry cannot call its own table): kept equal by methods.test.ts

/** A method preset's id. */
export type MethodId = keyof typeof METHODS;

/** Method ids in table order. */
export const METHOD_IDS = Object.keys(METHODS) as MethodId[];
