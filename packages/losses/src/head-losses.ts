/**
 * `HEAD_LOSSES`: the typed registry of the logit / head / ReviewKD / score-weighted families.
 * Keys double as the config `type`.
 */
import { AbfConfig, createAbf } from "./abf";
import { createDkd, DkdConfig } from "./dkd";
import { createHcl, HclConfig } from "./hcl";
import { createKd, KdConfig } from "./kd";
import { createLd, LdConfig } from "./ld";
import { lossEntry } from "./loss-entry";
import { createPgd, PgdConfig } from "./pgd";
import { createQflKd, QflKdConfig } from "./qfl-kd";
import { createScoreL2, ScoreL2Config } from "./score-l2";

/** Registry of the head/logit families: schema, factory, paper, distiller hints. */
export const HEAD_LOSSES = {
  kd: lossEntry({
    schema: KdConfig,
    create: createKd,
    paper: "Hinton et al., Distilling the Knowledge in a Neural Network, 2015 (mmrazor KLDivergence)",
  }),
  dkd: lossEntry({
    schema: DkdConfig,
    create: createDkd,
    paper: "Zhao et al., Decoupled Knowledge Distillation, CVPR 2022 (mmrazor DKDLoss)",
  }),
  ld: lossEntry({
    schema: LdConfig,
    create: createLd,
    paper: "Zheng et al., Localization Distillation for Dense Object Detection, CVPR 2022",
  }),
  "qfl-kd": lossEntry({
    schema: QflKdConfig,
    create: createQflKd,
    paper:
      "Wang et al., CrossKD: Cross-Head Knowledge Distillation for Object Detection, CVPR 2024 (KDQualityFocalLoss)",
  }),
  pgd: lossEntry({
    schema: PgdConfig,
    create: createPgd,
    paper: "Yang et al., Prediction-Guided Distillation for Dense Object Detection, ECCV 2022",
  }),
  hcl: lossEntry({
    schema: HclConfig,
    create: createHcl,
    paper: "Chen et al., Distilling Knowledge via Knowledge Review, CVPR 2021 (HCL)",
  }),
  abf: lossEntry({
    schema: AbfConfig,
    create: createAbf,
    paper: "Chen et al., Distilling Knowledge via Knowledge Review, CVPR 2021 (ABF + HCL)",
    multiLevel: true,
    alignsChannels: () => true,
  }),
  "score-l2": lossEntry({
    schema: ScoreL2Config,
    create: createScoreL2,
    paper: "ultralytics YOLO distillation (score-weighted L2, nn/distill_model.py)",
    alignsChannels: (c) => c.projector !== "none",
  }),
} as const;
