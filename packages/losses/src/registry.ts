/**
 * `LOSSES`: every distillation loss of `@kdet/losses` in one typed const table, keyed by id
 * (= config `type`); each entry carries its `kind` (what it consumes, = its folder), its paper, its
 * config schema and factory. The config union is derived from the table.
 */
import { z } from "zod";
import { needsLevelAlign } from "./adapters/level-aligns";
import { MseConfig, createMse } from "./feature/mse";
import { CwdConfig, createCwd } from "./feature/cwd";
import { AtConfig, createAt } from "./feature/at";
import { PkdConfig, createPkd } from "./feature/pkd";
import { FgdConfig, createFgd } from "./feature/fgd";
import { MgdConfig, createMgd } from "./feature/mgd";
import { FgfiConfig, createFgfi } from "./feature/fgfi";
import { DefeatConfig, createDefeat } from "./feature/defeat";
import { FbkdConfig, createFbkd } from "./feature/fbkd";
import { FsdConfig, createFsd } from "./feature/fsd";
import { KdConfig, createKd } from "./head/kd";
import { DkdConfig, createDkd } from "./head/dkd";
import { LdConfig, createLd } from "./head/ld";
import { QflKdConfig, createQflKd } from "./head/qfl-kd";
import { PgdConfig, createPgd } from "./head/pgd";
import { ScoreL2Config, createScoreL2 } from "./head/score-l2";
import { ConfidenceConfig, createConfidence } from "./head/confidence";
import { AdaptiveConfig, createAdaptive } from "./head/adaptive";
import { HclConfig, createHcl } from "./relation/hcl";
import { AbfConfig, createAbf } from "./relation/abf";
import { CkdConfig, createCkd } from "./relation/ckd";
import { RdkdConfig, createRdkd } from "./relation/rdkd";
import { type LossEntry, type LossKind, lossEntry } from "./loss-entry";
import { needsAlign } from "./ops/feature-ops";
import type { DistillLoss } from "./types";

/** Every loss family, grouped by kind: feature maps, head outputs, relations. */
export const LOSSES = {
  // feature
  mse: lossEntry({
    kind: "feature",
    defaultWeight: 10,
    schema: MseConfig,
    create: createMse,
    paper: "Romero et al., FitNets: Hints for Thin Deep Nets, ICLR 2015 (mmrazor L2Loss; Paddle/DAMO mimic)",
    alignsChannels: (c) => needsAlign(c),
  }),
  cwd: lossEntry({
    kind: "feature",
    defaultWeight: 10,
    schema: CwdConfig,
    create: createCwd,
    paper:
      "Shu et al., Channel-wise Knowledge Distillation for Dense Prediction, ICCV 2021 (mmrazor ChannelWiseDivergence)",
  }),
  at: lossEntry({
    kind: "feature",
    defaultWeight: 500,
    schema: AtConfig,
    create: createAt,
    paper: "Zagoruyko & Komodakis, Paying More Attention to Attention, ICLR 2017 (attention transfer)",
    alignsChannels: () => true,
  }),
  pkd: lossEntry({
    kind: "feature",
    defaultWeight: 6,
    schema: PkdConfig,
    create: createPkd,
    paper:
      "Cao et al., PKD: General Distillation Framework for Object Detectors via Pearson Correlation Coefficient, NeurIPS 2022 (mmrazor PKDLoss)",
    resizesSpatially: true,
  }),
  fgd: lossEntry({
    kind: "feature",
    defaultWeight: 1,
    schema: FgdConfig,
    create: createFgd,
    paper: "Yang et al., Focal and Global Knowledge Distillation for Detectors, CVPR 2022 (yzd-v/FGD)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  mgd: lossEntry({
    kind: "feature",
    defaultWeight: 1,
    schema: MgdConfig,
    create: createMgd,
    paper:
      "Yang et al., Masked Generative Distillation, ECCV 2022 (yzd-v/MGD, mmrazor MGDConnector + MGDLoss)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  fgfi: lossEntry({
    kind: "feature",
    defaultWeight: 0.01,
    schema: FgfiConfig,
    create: createFgfi,
    paper: "Wang et al., Distilling Object Detectors with Fine-grained Feature Imitation, CVPR 2019",
    alignsChannels: () => true,
  }),
  defeat: lossEntry({
    kind: "feature",
    defaultWeight: 1,
    schema: DefeatConfig,
    create: createDefeat,
    paper: "Guo et al., Distilling Object Detectors via Decoupled Features, CVPR 2021 (ggjy/DeFeat.pytorch)",
    multiLevel: true,
  }),
  fbkd: lossEntry({
    kind: "feature",
    defaultWeight: 1,
    schema: FbkdConfig,
    create: createFbkd,
    paper:
      "Zhang & Ma, Improve Object Detection with Feature-based Knowledge Distillation, ICLR 2021 (mmrazor FBKD)",
  }),
  fsd: lossEntry({
    kind: "feature",
    defaultWeight: 1,
    schema: FsdConfig,
    create: createFsd,
    paper:
      "Li et al., Foreground separation knowledge distillation for object detection, PeerJ Computer Science 10:e2485, 2024 (QuanZhe2000/SFC fg_bgLoss)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  // head
  kd: lossEntry({
    kind: "head",
    defaultWeight: 1,
    schema: KdConfig,
    create: createKd,
    paper: "Hinton et al., Distilling the Knowledge in a Neural Network, 2015 (mmrazor KLDivergence)",
  }),
  dkd: lossEntry({
    kind: "head",
    defaultWeight: 1,
    schema: DkdConfig,
    create: createDkd,
    paper: "Zhao et al., Decoupled Knowledge Distillation, CVPR 2022 (mmrazor DKDLoss)",
  }),
  ld: lossEntry({
    kind: "head",
    defaultWeight: 0.25,
    schema: LdConfig,
    create: createLd,
    paper: "Zheng et al., Localization Distillation for Dense Object Detection, CVPR 2022",
  }),
  "qfl-kd": lossEntry({
    kind: "head",
    defaultWeight: 1,
    schema: QflKdConfig,
    create: createQflKd,
    paper:
      "Wang et al., CrossKD: Cross-Head Knowledge Distillation for Object Detection, CVPR 2024 (KDQualityFocalLoss)",
  }),
  pgd: lossEntry({
    kind: "head",
    defaultWeight: 1,
    schema: PgdConfig,
    create: createPgd,
    paper: "Yang et al., Prediction-Guided Distillation for Dense Object Detection, ECCV 2022",
  }),
  "score-l2": lossEntry({
    kind: "head",
    defaultWeight: 6,
    schema: ScoreL2Config,
    create: createScoreL2,
    paper: "ultralytics YOLO distillation (score-weighted L2, nn/distill_model.py)",
    alignsChannels: (c) => c.projector !== "none",
  }),
  confidence: lossEntry({
    kind: "head",
    defaultWeight: 1,
    schema: ConfidenceConfig,
    create: createConfidence,
    paper:
      "Confidence-guided distillation for object detection, master's thesis, 2024 [design: our construction]",
    multiLevel: true,
    alignsChannels: (c) => needsLevelAlign(c),
  }),
  adaptive: lossEntry({
    kind: "head",
    defaultWeight: 1,
    schema: AdaptiveConfig,
    create: createAdaptive,
    paper:
      "Semi-supervised adaptive distillation for object detection, master's thesis, 2024 [design: our construction]",
    multiLevel: true,
  }),
  // relation
  hcl: lossEntry({
    kind: "relation",
    defaultWeight: 1,
    schema: HclConfig,
    create: createHcl,
    paper: "Chen et al., Distilling Knowledge via Knowledge Review, CVPR 2021 (HCL)",
  }),
  abf: lossEntry({
    kind: "relation",
    defaultWeight: 1,
    schema: AbfConfig,
    create: createAbf,
    paper: "Chen et al., Distilling Knowledge via Knowledge Review, CVPR 2021 (ABF + HCL)",
    multiLevel: true,
    alignsChannels: () => true,
  }),
  ckd: lossEntry({
    kind: "relation",
    defaultWeight: 1,
    schema: CkdConfig,
    create: createCkd,
    paper:
      "Yang & Li, contrastive knowledge distillation for object detection, Journal of Computer Applications, 2025 [design: our construction]",
    multiLevel: true,
    alignsChannels: (c) => needsLevelAlign(c),
  }),
  rdkd: lossEntry({
    kind: "relation",
    defaultWeight: 1,
    schema: RdkdConfig,
    create: createRdkd,
    paper:
      "Zhang & Pan, review-and-decouple knowledge distillation for object detection, Application Research of Computers, 2023 [design: our construction]",
    multiLevel: true,
    alignsChannels: () => true,
  }),
} as const;

/** A loss family id (= config `type`). */
export type LossId = keyof typeof LOSSES;

/** The ids of the families of one kind (e.g. `LossIdOfKind<"head">`). */
export type LossIdOfKind<K extends LossKind> = {
  [I in LossId]: (typeof LOSSES)[I]["kind"] extends K ? I : never;
}[LossId];

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
