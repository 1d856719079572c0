/**
 * `LOSS_META`: the static half of the loss registry, free of TensorFlow.js (`@kdet/losses/config`): every
 * family's id (= config `type`), kind, reference weight, paper and zod config schema, and the config union
 * derived from it. The main entry's `LOSSES` extends each entry with its factory.
 */
import { z } from "zod";
import { needsAlign, needsLevelAlign } from "./channel-settings";
import { MseConfig } from "./feature/mse-config";
import { CwdConfig } from "./feature/cwd-config";
import { AtConfig } from "./feature/at-config";
import { PkdConfig } from "./feature/pkd-config";
import { FgdConfig } from "./feature/fgd-config";
import { MgdConfig } from "./feature/mgd-config";
import { FgfiConfig } from "./feature/fgfi-config";
import { DefeatConfig } from "./feature/defeat-config";
import { FbkdConfig } from "./feature/fbkd-config";
import { FsdConfig } from "./feature/fsd-config";
import { KdConfig } from "./head/kd-config";
import { DkdConfig } from "./head/dkd-config";
import { LdConfig } from "./head/ld-config";
import { QflKdConfig } from "./head/qfl-kd-config";
import { PgdConfig } from "./head/pgd-config";
import { ScoreL2Config } from "./head/score-l2-config";
import { ConfidenceConfig } from "./head/confidence-config";
import { AdaptiveConfig } from "./head/adaptive-config";
import { HclConfig } from "./relation/hcl-config";
import { AbfConfig } from "./relation/abf-config";
import { CkdConfig } from "./relation/ckd-config";
import { RdkdConfig } from "./relation/rdkd-config";
import { type LossKind, lossMeta } from "./loss-entry";

/**
 * Every loss family, grouped by kind (feature maps, head outputs, relations): what it consumes, its reference weight,
 * paper, config schema and what the distiller needs to know about it. `LOSSES` of the main entry adds the factories.
 */
export const LOSS_META = {
  // feature
  mse: lossMeta({
    kind: "feature",
    defaultWeight: 10,
    schema: MseConfig,
    paper: "Romero et al., FitNets: Hints for Thin Deep Nets, ICLR 2015 (mmrazor L2Loss; Paddle/DAMO mimic)",
    alignsChannels: (c) => needsAlign(c),
  }),
  cwd: lossMeta({
    kind: "feature",
    defaultWeight: 10,
    schema: CwdConfig,
    paper:
      "Shu et al., Channel-wise Knowledge Distillation for Dense Prediction, ICCV 2021 (mmrazor ChannelWiseDivergence)",
  }),
  at: lossMeta({
    kind: "feature",
    defaultWeight: 500,
    schema: AtConfig,
    paper: "Zagoruyko & Komodakis, Paying More Attention to Attention, ICLR 2017 (attention transfer)",
    alignsChannels: () => true,
  }),
  pkd: lossMeta({
    kind: "feature",
    defaultWeight: 6,
    schema: PkdConfig,
    paper:
      "Cao et al., PKD: General Distillation Framework for Object Detectors via Pearson Correlation Coefficient, NeurIPS 2022 (mmrazor PKDLoss)",
    resizesSpatially: true,
  }),
  fgd: lossMeta({
    kind: "feature",
    defaultWeight: 1,
    schema: FgdConfig,
    paper: "Yang et al., Focal and Global Knowledge Distillation for Detectors, CVPR 2022 (yzd-v/FGD)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  mgd: lossMeta({
    kind: "feature",
    defaultWeight: 1,
    schema: MgdConfig,
    paper:
      "Yang et al., Masked Generative Distillation, ECCV 2022 (yzd-v/MGD, mmrazor MGDConnector + MGDLoss)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  fgfi: lossMeta({
    kind: "feature",
    defaultWeight: 0.01,
    schema: FgfiConfig,
    paper: "Wang et al., Distilling Object Detectors with Fine-grained Feature Imitation, CVPR 2019",
    alignsChannels: () => true,
  }),
  defeat: lossMeta({
    kind: "feature",
    defaultWeight: 1,
    schema: DefeatConfig,
    paper: "Guo et al., Distilling Object Detectors via Decoupled Features, CVPR 2021 (ggjy/DeFeat.pytorch)",
    multiLevel: true,
  }),
  fbkd: lossMeta({
    kind: "feature",
    defaultWeight: 1,
    schema: FbkdConfig,
    paper:
      "Zhang & Ma, Improve Object Detection with Feature-based Knowledge Distillation, ICLR 2021 (mmrazor FBKD)",
  }),
  fsd: lossMeta({
    kind: "feature",
    defaultWeight: 1,
    schema: FsdConfig,
    paper:
      "Li et al., Foreground separation knowledge distillation for object detection, PeerJ Computer Science 10:e2485, 2024 (QuanZhe2000/SFC fg_bgLoss)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  // head
  kd: lossMeta({
    kind: "head",
    defaultWeight: 1,
    schema: KdConfig,
    paper: "Hinton et al., Distilling the Knowledge in a Neural Network, 2015 (mmrazor KLDivergence)",
  }),
  dkd: lossMeta({
    kind: "head",
    defaultWeight: 1,
    schema: DkdConfig,
    paper: "Zhao et al., Decoupled Knowledge Distillation, CVPR 2022 (mmrazor DKDLoss)",
  }),
  ld: lossMeta({
    kind: "head",
    defaultWeight: 0.25,
    schema: LdConfig,
    paper: "Zheng et al., Localization Distillation for Dense Object Detection, CVPR 2022",
  }),
  "qfl-kd": lossMeta({
    kind: "head",
    defaultWeight: 1,
    schema: QflKdConfig,
    paper:
      "Wang et al., CrossKD: Cross-Head Knowledge Distillation for Object Detection, CVPR 2024 (KDQualityFocalLoss)",
  }),
  pgd: lossMeta({
    kind: "head",
    defaultWeight: 1,
    schema: PgdConfig,
    paper: "Yang et al., Prediction-Guided Distillation for Dense Object Detection, ECCV 2022",
  }),
  "score-l2": lossMeta({
    kind: "head",
    defaultWeight: 6,
    schema: ScoreL2Config,
    paper: "ultralytics YOLO distillation (score-weighted L2, nn/distill_model.py)",
    alignsChannels: (c) => c.projector !== "none",
  }),
  confidence: lossMeta({
    kind: "head",
    defaultWeight: 1,
    schema: ConfidenceConfig,
    paper:
      "Confidence-guided distillation for object detection, master's thesis, 2024 [design: our construction]",
    multiLevel: true,
    alignsChannels: (c) => needsLevelAlign(c),
  }),
  adaptive: lossMeta({
    kind: "head",
    defaultWeight: 1,
    schema: AdaptiveConfig,
    paper:
      "Semi-supervised adaptive distillation for object detection, master's thesis, 2024 [design: our construction]",
    multiLevel: true,
  }),
  // relation
  hcl: lossMeta({
    kind: "relation",
    defaultWeight: 1,
    schema: HclConfig,
    paper: "Chen et al., Distilling Knowledge via Knowledge Review, CVPR 2021 (HCL)",
  }),
  abf: lossMeta({
    kind: "relation",
    defaultWeight: 1,
    schema: AbfConfig,
    paper: "Chen et al., Distilling Knowledge via Knowledge Review, CVPR 2021 (ABF + HCL)",
    multiLevel: true,
    alignsChannels: () => true,
  }),
  ckd: lossMeta({
    kind: "relation",
    defaultWeight: 1,
    schema: CkdConfig,
    paper:
      "Yang & Li, contrastive knowledge distillation for object detection, Journal of Computer Applications, 2025 [design: our construction]",
    multiLevel: true,
    alignsChannels: (c) => needsLevelAlign(c),
  }),
  rdkd: lossMeta({
    kind: "relation",
    defaultWeight: 1,
    schema: RdkdConfig,
    paper:
      "Zhang & Pan, review-and-decouple knowledge distillation for object detection, Application Research of Computers, 2023 [design: our construction]",
    multiLevel: true,
    alignsChannels: () => true,
  }),
} as const;

/** A loss family id (= config `type`). */
export type LossId = keyof typeof LOSS_META;

/** The ids of the families of one kind (e.g. `LossIdOfKind<"head">`). */
export type LossIdOfKind<K extends LossKind> = {
  [I in LossId]: (typeof LOSS_META)[I]["kind"] extends K ? I : never;
}[LossId];

/** Every family id, in table order. */
export const LOSS_IDS = Object.keys(LOSS_META) as LossId[];

/** Parsed config of any family (union discriminated by `type`). */
export type LossConfig = { [K in LossId]: z.output<(typeof LOSS_META)[K]["schema"]> }[LossId];
/** Config of any family as written by a user (defaults optional). */
export type LossConfigInput = { [K in LossId]: z.input<(typeof LOSS_META)[K]["schema"]> }[LossId];

/** zod schema of {@link LossConfig}: a discriminated union on `type` over every family's schema. */
export const LossConfigSchema = z.discriminatedUnion(
  "type",
  Object.values(LOSS_META).map((e) => e.schema) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<LossConfig, LossConfigInput>;
