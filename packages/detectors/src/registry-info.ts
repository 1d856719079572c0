/**
 * The static half of the detector registry, free of TensorFlow.js (`@kdet/detectors/config`): every named
 * detector's family, description and zod config schema. `DETECTORS` of the main entry adds each factory.
 */
import { z } from "zod";

const common = {
  /** Number of object classes. */
  numClasses: z.number().int().min(1).max(10_000).default(80),
  /** Seed of the weight initialisation. */
  seed: z.number().int().default(0),
  /** DFL bins per box side. */
  regMax: z.number().int().min(2).max(64).default(16),
  /** Overrides every BatchNorm's running-statistics momentum (default: the architecture's own). */
  bnMomentum: z.number().gt(0).max(1).optional(),
};

/** Config of the YOLOv8 entries (`regMax` = ultralytics `reg_max`: bins per side, default 16). */
export const yolov8ConfigSchema = z.object(common).strict();

/** Config of the GFL entries (`regMax` = mmdet `reg_max`: largest bin, default 16 → 17 bins). */
export const gflConfigSchema = z
  .object({
    ...common,
    /** Extra stride-2 FPN levels above P5 (mmdet: 2 → P3–P7). */
    extraLevels: z.number().int().min(0).max(2).default(2),
  })
  .strict();

/** Config of the YOLOX entries (no DFL: YOLOX regresses 4 numbers per anchor). */
export const yoloxConfigSchema = z
  .object({ numClasses: common.numClasses, seed: common.seed, bnMomentum: common.bnMomentum })
  .strict();

/** Config of the YOLOv5 entries (anchor-based: no DFL). */
export const yolov5ConfigSchema = z
  .object({ numClasses: common.numClasses, seed: common.seed, bnMomentum: common.bnMomentum })
  .strict();

/** Config of the FCOS entries (P3–P7; `centerSampling` = mmdet `center_sampling`, radius 1.5; `distance`: exp, or ReLU = mmdet `norm_on_bbox`). */
export const fcosConfigSchema = z
  .object({
    numClasses: common.numClasses,
    seed: common.seed,
    bnMomentum: common.bnMomentum,
    centerSampling: z.boolean().default(true),
    distance: z.enum(["exp", "relu"]).default("exp"),
  })
  .strict();

/** Config of the RetinaNet entries (P3–P7, 9 anchors; `boxLoss`: "l1" on deltas as mmdet, "smooth-l1" β 0.11 as Detectron, or "giou"). */
export const retinaConfigSchema = z
  .object({
    numClasses: common.numClasses,
    seed: common.seed,
    bnMomentum: common.bnMomentum,
    boxLoss: z.enum(["l1", "smooth-l1", "giou"]).default("l1"),
  })
  .strict();

const proposalCounts = (preNms: number, postNms: number) =>
  z
    .object({
      /** Anchors per level kept before NMS (mmdet `nms_pre`). */
      preNms: z.number().int().min(1).max(100_000).default(preNms),
      /** Proposals per image kept after NMS (mmdet `max_per_img`). */
      postNms: z.number().int().min(1).max(100_000).default(postNms),
    })
    .strict()
    .default({ preNms, postNms });

/**
 * Config of the Faster R-CNN entries. Proposal counts default to mmdet `faster-rcnn_r50_fpn_1x_coco` (training:
 * 2000 per level before NMS 0.7, 1000 after; testing: 1000 and 1000) and its 512 sampled RoIs per image; smaller
 * counts make CPU runs cheaper (the box head's cost is linear in the sampled RoIs).
 */
export const fasterRcnnConfigSchema = z
  .object({
    numClasses: common.numClasses,
    seed: common.seed,
    bnMomentum: common.bnMomentum,
    trainProposals: proposalCounts(2000, 1000),
    testProposals: proposalCounts(1000, 1000),
    /** RoIs sampled per training image for the box head, a quarter at most positive (mmdet `rcnn.sampler.num`). */
    rcnnSamples: z.number().int().min(1).max(10_000).default(512),
  })
  .strict();

/** The static part of a registry entry: what it is and its config schema. */
export interface DetectorInfo<S extends z.ZodType = z.ZodType> {
  readonly family: "yolov8" | "yolov5" | "gfl" | "yolox" | "fcos" | "retina" | "faster-rcnn";
  readonly description: string;
  readonly config: S;
}

function info<S extends z.ZodType>(e: DetectorInfo<S>): DetectorInfo<S> {
  return e;
}

/** Every named detector kdet builds, without its factory (typed const table). */
export const DETECTOR_INFO = {
  "yolov8-n": info({
    family: "yolov8",
    description: "YOLOv8n: CSPDarknet (d 0.33, w 0.25) + PAFPN + DFL head, TAL, 3.16 M params at 80 classes",
    config: yolov8ConfigSchema,
  }),
  "yolov8-s": info({
    family: "yolov8",
    description: "YOLOv8s: CSPDarknet (d 0.33, w 0.5) + PAFPN + DFL head, TAL, 11.2 M params",
    config: yolov8ConfigSchema,
  }),
  "yolov8-m": info({
    family: "yolov8",
    description: "YOLOv8m: CSPDarknet (d 0.67, w 0.75, max 768) + PAFPN + DFL head, TAL, 25.9 M params",
    config: yolov8ConfigSchema,
  }),
  "yolov5-n": info({
    family: "yolov5",
    description:
      "YOLOv5n (v7.0): CSPDarknet with C3 + SPPF (d 0.33, w 0.25) + PANet + anchor Detect head (3 anchors/level), 1.87 M params",
    config: yolov5ConfigSchema,
  }),
  "yolov5-s": info({
    family: "yolov5",
    description:
      "YOLOv5s (v7.0): CSPDarknet with C3 + SPPF (d 0.33, w 0.5) + PANet + anchor Detect head (3 anchors/level), 7.2 M params",
    config: yolov5ConfigSchema,
  }),
  "gfl-r18": info({
    family: "gfl",
    description: "GFL: ResNet-18 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS",
    config: gflConfigSchema,
  }),
  "gfl-r50": info({
    family: "gfl",
    description: "GFL: ResNet-50 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS (mmdet gfl_r50_fpn_1x_coco)",
    config: gflConfigSchema,
  }),
  "gfl-r101": info({
    family: "gfl",
    description:
      "GFL: ResNet-101 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS (mmdet gfl_r101_fpn_ms-2x_coco), 51.4 M params",
    config: gflConfigSchema,
  }),
  "gfl-mbv2": info({
    family: "gfl",
    description: "GFL: MobileNetV2 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS",
    config: gflConfigSchema,
  }),
  "fcos-r18": info({
    family: "fcos",
    description: "FCOS: ResNet-18 + FPN (P3–P7) + GN head (focal, GIoU, centre-ness), centre sampling",
    config: fcosConfigSchema,
  }),
  "fcos-r50": info({
    family: "fcos",
    description:
      "FCOS: ResNet-50 + FPN (P3–P7) + GN head (focal, GIoU, centre-ness), centre sampling (mmdet FCOSHead, exp distances)",
    config: fcosConfigSchema,
  }),
  "fcos-r101": info({
    family: "fcos",
    description:
      "FCOS: ResNet-101 + FPN (P3–P7) + GN head (focal, GIoU, centre-ness), centre sampling (mmdet FCOSHead, exp distances), 51.3 M params",
    config: fcosConfigSchema,
  }),
  "retina-r18": info({
    family: "retina",
    description:
      "RetinaNet: ResNet-18 + FPN (P3–P7) + head with 9 anchors/location (focal, L1 deltas), max-IoU",
    config: retinaConfigSchema,
  }),
  "retina-r50": info({
    family: "retina",
    description:
      "RetinaNet: ResNet-50 + FPN (P3–P7) + head with 9 anchors/location (focal, L1 deltas), max-IoU (mmdet retinanet_r50_fpn_1x_coco)",
    config: retinaConfigSchema,
  }),
  "retina-r101": info({
    family: "retina",
    description:
      "RetinaNet: ResNet-101 + FPN (P3–P7) + head with 9 anchors/location (focal, L1 deltas), max-IoU (mmdet retinanet_r101_fpn_1x_coco), 57.0 M params",
    config: retinaConfigSchema,
  }),
  "yolox-n": info({
    family: "yolox",
    description:
      "YOLOX-nano: CSPDarknet (d 0.33, w 0.25, depthwise) + PAFPN + decoupled head with objectness, SimOTA, 0.91 M params",
    config: yoloxConfigSchema,
  }),
  "yolox-s": info({
    family: "yolox",
    description:
      "YOLOX-s: CSPDarknet (d 0.33, w 0.5) + PAFPN + decoupled head with objectness, SimOTA, 8.97 M params",
    config: yoloxConfigSchema,
  }),
  "yolox-l": info({
    family: "yolox",
    description:
      "YOLOX-l: CSPDarknet (d 1.0, w 1.0) + PAFPN (256/512/1024 → head 256) + decoupled head with objectness, SimOTA, the FSD paper's teacher",
    config: yoloxConfigSchema,
  }),
  "faster-rcnn-r50": info({
    family: "faster-rcnn",
    description:
      "Faster R-CNN: ResNet-50 + FPN (P2–P6) + RPN (3 anchors/location) + RoIAlign 7×7 + shared 2-fc box head (mmdet faster-rcnn_r50_fpn_1x_coco), 41.8 M params; slow on CPU (~17 s a step at 64 px, batch 2, shared core), not yet in the zoo",
    config: fasterRcnnConfigSchema,
  }),
  "faster-rcnn-r101": info({
    family: "faster-rcnn",
    description:
      "Faster R-CNN: ResNet-101 + FPN (P2–P6) + RPN + RoIAlign 7×7 + shared 2-fc box head (mmdet faster-rcnn_r101_fpn_1x_coco), 60.7 M params; training not yet measured at this size",
    config: fasterRcnnConfigSchema,
  }),
} as const;

/** Id of a registered detector. */
export type DetectorId = keyof typeof DETECTOR_INFO;
/** Config accepted by `createDetector(id, config)` (fields optional, defaults applied). */
export type DetectorConfigInput<Id extends DetectorId> = z.input<(typeof DETECTOR_INFO)[Id]["config"]>;
/** The resolved config of a detector. */
export type DetectorConfig<Id extends DetectorId> = z.output<(typeof DETECTOR_INFO)[Id]["config"]>;

/** Ids of every registered detector. */
export const DETECTOR_IDS = Object.keys(DETECTOR_INFO) as DetectorId[];
