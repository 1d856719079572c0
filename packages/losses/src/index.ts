// Types of tfjs chained tensor methods (`x.reshape(…)`); @kdet/core registers them at run time.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
/**
 * @kdet/losses — knowledge-distillation losses for object detectors on TensorFlow.js (NHWC),
 * equal to their reference implementations, the registry `LOSSES` and the `Distiller` that composes
 * them. Internals (ops, per-family helpers, test fixtures) are not exported.
 */
export const PACKAGE = "@kdet/losses";

// Shared types.
export type { DistillLoss, LossContext, LossResult } from "./types";

// The static tables and config schemas (also the TensorFlow.js-free entry `@kdet/losses/config`).
export * from "./config";

// The registry: the static table plus each family's factory.
export type { LossEntry } from "./loss-entry";
export { LOSSES, createLoss, lossEntryOf } from "./registry";

// The distiller: named feature records → weighted terms.
export { Distiller, type DistillerOptions } from "./distiller/distiller";
export { expandNames } from "./distiller/distiller-names";
export { alignSpatial, alignMethod, type AlignMethod } from "./distiller/feature-align";

// Trainable parts that loss objects expose (load PyTorch weights with `loadTorch`).
export { ConvAdapter, type ConvAdapterOptions, type ConvInit } from "./adapters/conv-adapter";
export { GcBlock, type GcBlockOptions } from "./adapters/gc-block";
export { GenerationBlock } from "./adapters/generation-block";
export { ReviewKdAbf, type AbfOptions } from "./relation/abf-module";

// Masks a user may want to draw (built on the CPU, row-major [H·W] per image).
export { type FgdMasks, fgdMasks } from "./masks/fgd-mask";
export { type FsdMaskOptions, type FsdMasks, fsdMasks } from "./masks/fsd-mask";
export { defeatGtMasks } from "./masks/defeat-mask";
export { gaussianMasks } from "./masks/gaussian-mask";
export { type CenterHeatmap, centernetHeatmap } from "./masks/centernet-heatmap";
export { fgfiMask } from "./masks/fgfi-mask";

// Feature-map losses.
export { createMse, type MseLoss } from "./feature/mse";
export { createCwd } from "./feature/cwd";
export { createAt } from "./feature/at";
export { createPkd } from "./feature/pkd";
export { createFgd, type FgdLoss } from "./feature/fgd";
export { createMgd, type MgdLoss } from "./feature/mgd";
export { createFgfi, type FgfiLoss } from "./feature/fgfi";
export { createDefeat, type DefeatLoss } from "./feature/defeat";
export { createFbkd, type FbkdLoss } from "./feature/fbkd";
export { createFsd, type FsdContext, type FsdLoss } from "./feature/fsd";

// Head losses (logits, box distributions, or features weighted by them).
export { createKd } from "./head/kd";
export { createDkd, type DkdContext } from "./head/dkd";
export { createLd, type LdContext } from "./head/ld";
export { createQflKd, type QflKdContext } from "./head/qfl-kd";
export { createPgd, type PgdContext } from "./head/pgd";
export {
  pgdKeyWeights,
  pgdBackgroundWeights,
  type PgdWeightsInput,
  type PgdWeightsOptions,
} from "./head/pgd-weights";
export { createScoreL2, type ScoreL2Context, type ScoreL2Loss } from "./head/score-l2";
export {
  createConfidence,
  type ConfidenceLoss,
  type ConfidenceContext,
} from "./head/confidence";
export { createAdaptive } from "./head/adaptive";

// Relation losses (instances, positions, pyramid levels).
export { createHcl } from "./relation/hcl";
export { createAbf, type AbfLoss } from "./relation/abf";
export { createCkd, type CkdLoss } from "./relation/ckd";
export { createRdkd, type RdkdLoss } from "./relation/rdkd";
