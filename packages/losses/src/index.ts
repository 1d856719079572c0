// Types of tfjs chained tensor methods (`x.reshape(…)`); @kdet/core registers them at run time.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
/**
 * @kdet/losses — knowledge-distillation losses for object detectors on TensorFlow.js (NHWC),
 * equal to their reference implementations, plus the registry and the distiller composition.
 */
export const PACKAGE = "@kdet/losses";

// Shared types and registry.
export type { DistillLoss, LossContext, LossResult } from "./types";
export { type LossEntry, lossEntry } from "./loss-entry";
export { HEAD_LOSSES } from "./head-losses";
export { FEATURE_LOSSES, type FeatureLossId } from "./feature-losses";
export { SEED_LOSSES, type SeedLossId } from "./seed-losses";
export {
  LOSSES,
  LOSS_IDS,
  LossConfigSchema,
  createLoss,
  lossEntryOf,
  type LossId,
  type LossConfig,
  type LossConfigInput,
} from "./registry";
export {
  Distiller,
  DistillTermConfig,
  AdapterConfig,
  type DistillTermConfigInput,
  type DistillerOptions,
} from "./distiller";
export { expandNames } from "./distiller-names";
export { alignSpatial, alignMethod, type AlignMethod } from "./feature-align";
export { ConvAdapter, type ConvAdapterOptions, type ConvInit } from "./adapters/conv-adapter";
export { BatchNormTrain } from "./adapters/batch-norm";
export { GcBlock, type GcBlockOptions } from "./adapters/gc-block";
export { GenerationBlock } from "./adapters/generation-block";

// Feature-imitation families.
export { MseConfig, createMse, type MseLoss } from "./mse";
export { CwdConfig, createCwd } from "./cwd";
export { FgdConfig, createFgd, type FgdLoss } from "./fgd";
export { MgdConfig, createMgd, type MgdLoss } from "./mgd";
export { PkdConfig, createPkd } from "./pkd";
export { FgfiConfig, createFgfi, type FgfiLoss } from "./fgfi";
export { DefeatConfig, createDefeat, type DefeatLoss } from "./defeat";
export { FbkdConfig, createFbkd, type FbkdLoss } from "./fbkd";
export { AtConfig, createAt, attentionMap } from "./at";
export * from "./masks/index";

// Seed-method families ([design]: constructions from the papers' descriptions; no public code).
export { FsdConfig, createFsd, type FsdLoss } from "./fsd";
export { RdkdConfig, createRdkd, type RdkdLoss } from "./rdkd";
export { CkdConfig, createCkd, type CkdLoss } from "./ckd";
export {
  ConfidenceConfig,
  createConfidence,
  type ConfidenceLoss,
  type ConfidenceContext,
} from "./confidence";
export { AdaptiveConfig, createAdaptive } from "./adaptive";

// Logit / head families.
export { KdConfig, createKd } from "./kd";
export { DkdConfig, createDkd, type DkdContext } from "./dkd";
export { LdConfig, createLd, ldPositiveIndices, type LdContext } from "./ld";
export { QflKdConfig, createQflKd, FLOAT32_EPS, type QflKdContext } from "./qfl-kd";
export { PgdConfig, createPgd, type PgdContext } from "./pgd";
export {
  pgdKeyWeights,
  pgdBackgroundWeights,
  type PgdWeightsInput,
  type PgdWeightsOptions,
} from "./pgd-weights";
export { HclConfig, createHcl, hclLevel } from "./hcl";
export { AbfConfig, createAbf, type AbfLoss } from "./abf";
export { ReviewKdAbf, type AbfOptions } from "./abf-module";
export { ScoreL2Config, createScoreL2, type ScoreL2Context, type ScoreL2Loss } from "./score-l2";
export { adaptiveAvgPool2d } from "./adaptive-avg-pool";
export { LOGIT_BOUND } from "./logit-ops";
