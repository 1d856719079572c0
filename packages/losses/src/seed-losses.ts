/**
 * `SEED_LOSSES`: the typed registry of the five seed-method families this project is built
 * around (fsd, rdkd, ckd, confidence, adaptive). None has public code: each is our construction
 * from its paper's description (see each family's doc comment). Keys double as the config `type`.
 */
import { AdaptiveConfig, createAdaptive } from "./adaptive";
import { CkdConfig, createCkd } from "./ckd";
import { ConfidenceConfig, createConfidence } from "./confidence";
import { needsAlign } from "./feature-ops";
import { needsLevelAlign } from "./seed-losses-channels";
import { createFsd, FsdConfig } from "./fsd";
import { lossEntry } from "./loss-entry";
import { createRdkd, RdkdConfig } from "./rdkd";

/** Registry of the seed-method families: schema, factory, paper, distiller hints. */
export const SEED_LOSSES = {
  fsd: lossEntry({
    schema: FsdConfig,
    create: createFsd,
    paper:
      "Li et al., Foreground separation knowledge distillation for object detection, PeerJ Computer Science 10:e2485, 2024 [design: our construction]",
    alignsChannels: (c) => needsAlign(c),
  }),
  rdkd: lossEntry({
    schema: RdkdConfig,
    create: createRdkd,
    paper:
      "Zhang & Pan, review-and-decouple knowledge distillation for object detection, Application Research of Computers, 2023 [design: our construction]",
    multiLevel: true,
    alignsChannels: () => true,
  }),
  ckd: lossEntry({
    schema: CkdConfig,
    create: createCkd,
    paper:
      "Yang & Li, contrastive knowledge distillation for object detection, Journal of Computer Applications, 2025 [design: our construction]",
    multiLevel: true,
    alignsChannels: (c) => needsLevelAlign(c),
  }),
  confidence: lossEntry({
    schema: ConfidenceConfig,
    create: createConfidence,
    paper:
      "Confidence-guided distillation for object detection, master's thesis, 2024 [design: our construction]",
    multiLevel: true,
    alignsChannels: (c) => needsLevelAlign(c),
  }),
  adaptive: lossEntry({
    schema: AdaptiveConfig,
    create: createAdaptive,
    paper:
      "Semi-supervised adaptive distillation for object detection, master's thesis, 2024 [design: our construction]",
    multiLevel: true,
  }),
} as const;

/** A seed-family id (= config `type`). */
export type SeedLossId = keyof typeof SEED_LOSSES;
