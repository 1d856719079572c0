// Types of tfjs chained tensor methods (`x.reshape(…)`); @kdet/core registers them at run time.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
/**
 * @kdet/losses — knowledge-distillation losses for object detectors on TensorFlow.js (NHWC),
 * equal to their reference implementations, plus the registry and the distiller composition.
 */
export const PACKAGE = "@kdet/losses";

// Shared types and registry.
export type { DistillLoss, LossContext, LossResult } from "./types.js";
export { type LossEntry, lossEntry } from "./loss-entry.js";
export { HEAD_LOSSES } from "./head-losses.js";
export { FEATURE_LOSSES, type FeatureLossId } from "./feature-losses.js";
export { SEED_LOSSES, type SeedLossId } from "./seed-losses.js";
export { LOSSES, LOSS_IDS, LossConfigSchema, createLoss, lossEntryOf, type LossId, type LossConfig, type LossConfigInput } from "./registry.js";
export { Distiller, DistillTermConfig, AdapterConfig, type DistillTermConfigInput, type DistillerOptions } from "./distiller.js";
export { expandNames } from "./distiller-names.js";
export { alignSpatial, alignMethod, type AlignMethod } from "./feature-align.js";
export { ConvAdapter, type ConvAdapterOptions, type ConvInit } from "./adapters/conv-adapter.js";
export { BatchNormTrain } from "./adapters/batch-norm.js";
export { GcBlock, type GcBlockOptions } from "./adapters/gc-block.js";
export { GenerationBlock } from "./adapters/generation-block.js";

// Feature-imitation families.
export { MseConfig, createMse, type MseLoss } from "./mse.js";
export { CwdConfig, createCwd } from "./cwd.js";
export { FgdConfig, createFgd, type FgdLoss } from "./fgd.js";
export { MgdConfig, createMgd, type MgdLoss } from "./mgd.js";
export { PkdConfig, createPkd } from "./pkd.js";
export { FgfiConfig, createFgfi, type FgfiLoss } from "./fgfi.js";
export { DefeatConfig, createDefeat, type DefeatLoss } from "./defeat.js";
export { FbkdConfig, createFbkd, type FbkdLoss } from "./fbkd.js";
export { AtConfig, createAt, attentionMap } from "./at.js";
export * from "./masks/index.js";

// Seed-method families ([design]: constructions from the papers' descriptions; no public code).
export { FsdConfig, createFsd, type FsdLoss } from "./fsd.js";
export { RdkdConfig, createRdkd, type RdkdLoss } from "./rdkd.js";
export { CkdConfig, createCkd, type CkdLoss } from "./ckd.js";
export { ConfidenceConfig, createConfidence, type ConfidenceLoss, type ConfidenceContext } from "./confidence.js";
export { AdaptiveConfig, createAdaptive } from "./adaptive.js";

// Logit / head families.
export { KdConfig, createKd } from "./kd.js";
export { DkdConfig, createDkd, type DkdContext } from "./dkd.js";
export { LdConfig, createLd, ldPositiveIndices, type LdContext } from "./ld.js";
export { QflKdConfig, createQflKd, FLOAT32_EPS, type QflKdContext } from "./qfl-kd.js";
export { PgdConfig, createPgd, type PgdContext } from "./pgd.js";
export { pgdKeyWeights, pgdBackgroundWeights, type PgdWeightsInput, type PgdWeightsOptions } from "./pgd-weights.js";
export { HclConfig, createHcl, hclLevel } from "./hcl.js";
export { AbfConfig, createAbf, type AbfLoss } from "./abf.js";
export { ReviewKdAbf, type AbfOptions } from "./abf-module.js";
export { ScoreL2Config, createScoreL2, type ScoreL2Context, type ScoreL2Loss } from "./score-l2.js";
export { adaptiveAvgPool2d } from "./adaptive-avg-pool.js";
export { LOGIT_BOUND } from "./logit-ops.js";
