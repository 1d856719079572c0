/**
 * `@kdet/losses/config` — the static half of `@kdet/losses`, free of TensorFlow.js: the loss table `LOSS_META`
 * (id, kind, reference weight, paper, zod config schema of every family), the config union, the distiller's term
 * schema and every family's config schema. For tools that validate, describe or list configs (a command line's
 * help, `config print`, a JSON Schema) without loading tfjs. The main entry re-exports all of it and adds the
 * factories (`LOSSES`, `createLoss`) and the `Distiller`.
 */
export { type LossKind, type LossMeta, LOSS_KINDS } from "./loss-entry";
export {
  LOSS_META,
  LOSS_IDS,
  LossConfigSchema,
  type LossId,
  type LossIdOfKind,
  type LossConfig,
  type LossConfigInput,
} from "./loss-meta";
export { DistillTermConfig, AdapterConfig, type DistillTermConfigInput } from "./distiller/term-config";

// Config schemas of the feature-map losses.
export { MseConfig } from "./feature/mse-config";
export { CwdConfig } from "./feature/cwd-config";
export { AtConfig } from "./feature/at-config";
export { PkdConfig } from "./feature/pkd-config";
export { FgdConfig } from "./feature/fgd-config";
export { MgdConfig } from "./feature/mgd-config";
export { FgfiConfig } from "./feature/fgfi-config";
export { DefeatConfig } from "./feature/defeat-config";
export { FbkdConfig } from "./feature/fbkd-config";
export { FsdConfig } from "./feature/fsd-config";

// Config schemas of the head losses.
export { KdConfig } from "./head/kd-config";
export { DkdConfig } from "./head/dkd-config";
export { LdConfig } from "./head/ld-config";
export { QflKdConfig } from "./head/qfl-kd-config";
export { PgdConfig } from "./head/pgd-config";
export { ScoreL2Config } from "./head/score-l2-config";
export { ConfidenceConfig } from "./head/confidence-config";
export { AdaptiveConfig } from "./head/adaptive-config";

// Config schemas of the relation losses.
export { HclConfig } from "./relation/hcl-config";
export { AbfConfig } from "./relation/abf-config";
export { CkdConfig } from "./relation/ckd-config";
export { RdkdConfig } from "./relation/rdkd-config";
