/**
 * `FEATURE_LOSSES`: the typed registry of the feature-imitation families (mse, cwd, fgd, mgd,
 * pkd, fgfi, defeat, fbkd, at). Keys double as the config `type`.
 */
import { AtConfig, createAt } from "./at";
import { createCwd, CwdConfig } from "./cwd";
import { createDefeat, DefeatConfig } from "./defeat";
import { createFbkd, FbkdConfig } from "./fbkd";
import { needsAlign } from "./feature-ops";
import { createFgd, FgdConfig } from "./fgd";
import { createFgfi, FgfiConfig } from "./fgfi";
import { lossEntry } from "./loss-entry";
import { createMgd, MgdConfig } from "./mgd";
import { createMse, MseConfig } from "./mse";
import { createPkd, PkdConfig } from "./pkd";

/** Registry of the feature-imitation families: schema, factory, paper, distiller hints. */
export const FEATURE_LOSSES = {
  mse: lossEntry({
    schema: MseConfig,
    create: createMse,
    paper: "Romero et al., FitNets: Hints for Thin Deep Nets, ICLR 2015 (mmrazor L2Loss; Paddle/DAMO mimic)",
    alignsChannels: (c) => needsAlign(c),
  }),
  cwd: lossEntry({
    schema: CwdConfig,
    create: createCwd,
    paper:
      "Shu et al., Channel-wise Knowledge Distillation for Dense Prediction, ICCV 2021 (mmrazor ChannelWiseDivergence)",
  }),
  fgd: lossEntry({
    schema: FgdConfig,
    create: createFgd,
    paper: "Yang et al., Focal and Global Knowledge Distillation for Detectors, CVPR 2022 (yzd-v/FGD)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  mgd: lossEntry({
    schema: MgdConfig,
    create: createMgd,
    paper:
      "Yang et al., Masked Generative Distillation, ECCV 2022 (yzd-v/MGD, mmrazor MGDConnector + MGDLoss)",
    alignsChannels: (c) => c.studentChannels !== undefined && c.studentChannels !== c.teacherChannels,
  }),
  pkd: lossEntry({
    schema: PkdConfig,
    create: createPkd,
    paper:
      "Cao et al., PKD: General Distillation Framework for Object Detectors via Pearson Correlation Coefficient, NeurIPS 2022 (mmrazor PKDLoss)",
    resizesSpatially: true,
  }),
  fgfi: lossEntry({
    schema: FgfiConfig,
    create: createFgfi,
    paper: "Wang et al., Distilling Object Detectors with Fine-grained Feature Imitation, CVPR 2019",
    alignsChannels: () => true,
  }),
  defeat: lossEntry({
    schema: DefeatConfig,
    create: createDefeat,
    paper: "Guo et al., Distilling Object Detectors via Decoupled Features, CVPR 2021 (ggjy/DeFeat.pytorch)",
    multiLevel: true,
  }),
  fbkd: lossEntry({
    schema: FbkdConfig,
    create: createFbkd,
    paper:
      "Zhang & Ma, Improve Object Detection with Feature-based Knowledge Distillation, ICLR 2021 (mmrazor FBKD)",
  }),
  at: lossEntry({
    schema: AtConfig,
    create: createAt,
    paper: "Zagoruyko & Komodakis, Paying More Attention to Attention, ICLR 2017 (attention transfer)",
    alignsChannels: () => true,
  }),
} as const;

/** A feature-family id (= config `type`). */
export type FeatureLossId = keyof typeof FEATURE_LOSSES;
