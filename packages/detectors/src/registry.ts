import { z } from "zod";
import { YOLOV8_SCALES } from "./backbones/cspdarknet";
import type { Detector } from "./detector";
import { createGfl } from "./models/gfl";
import { createFcos } from "./models/fcos";
import { createRetina } from "./models/retina";
import { createYolov8 } from "./models/yolov8";
import { YOLOV5_SCALES } from "./backbones/yolov5-darknet";
import { createYolov5 } from "./models/yolov5";
import { YOLOX_SCALES } from "./backbones/yolox-darknet";
import { createYolox } from "./models/yolox";
import { configureBatchNorm } from "./nn/training-mode";

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

/** One registry entry: what it is, its config schema and its factory. */
export interface DetectorEntry<S extends z.ZodType = z.ZodType> {
  readonly family: "yolov8" | "yolov5" | "gfl" | "yolox" | "fcos" | "retina";
  readonly description: string;
  readonly config: S;
  readonly create: (config: z.output<S>) => Detector;
}

function entry<S extends z.ZodType>(e: DetectorEntry<S>): DetectorEntry<S> {
  return e;
}

/**
 * Every named detector kdet builds (typed const table; no registration by side effect).
 * Configs are validated by each entry's zod schema; `createDetector` is the checked entry point.
 */
export const DETECTORS = {
  "yolov8-n": entry({
    family: "yolov8",
    description: "YOLOv8n: CSPDarknet (d 0.33, w 0.25) + PAFPN + DFL head, TAL, 3.16 M params at 80 classes",
    config: yolov8ConfigSchema,
    create: (c) => createYolov8(YOLOV8_SCALES.n, c.numClasses, c.seed, { regMax: c.regMax }),
  }),
  "yolov8-s": entry({
    family: "yolov8",
    description: "YOLOv8s: CSPDarknet (d 0.33, w 0.5) + PAFPN + DFL head, TAL, 11.2 M params",
    config: yolov8ConfigSchema,
    create: (c) => createYolov8(YOLOV8_SCALES.s, c.numClasses, c.seed, { regMax: c.regMax }),
  }),
  "yolov8-m": entry({
    family: "yolov8",
    description: "YOLOv8m: CSPDarknet (d 0.67, w 0.75, max 768) + PAFPN + DFL head, TAL, 25.9 M params",
    config: yolov8ConfigSchema,
    create: (c) => createYolov8(YOLOV8_SCALES.m, c.numClasses, c.seed, { regMax: c.regMax }),
  }),
  "yolov5-n": entry({
    family: "yolov5",
    description:
      "YOLOv5n (v7.0): CSPDarknet with C3 + SPPF (d 0.33, w 0.25) + PANet + anchor Detect head (3 anchors/level), 1.87 M params",
    config: yolov5ConfigSchema,
    create: (c) => createYolov5(YOLOV5_SCALES.n, c.numClasses, c.seed),
  }),
  "yolov5-s": entry({
    family: "yolov5",
    description:
      "YOLOv5s (v7.0): CSPDarknet with C3 + SPPF (d 0.33, w 0.5) + PANet + anchor Detect head (3 anchors/level), 7.2 M params",
    config: yolov5ConfigSchema,
    create: (c) => createYolov5(YOLOV5_SCALES.s, c.numClasses, c.seed),
  }),
  "gfl-r18": entry({
    family: "gfl",
    description: "GFL: ResNet-18 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS",
    config: gflConfigSchema,
    create: (c) =>
      createGfl({ type: "resnet", depth: 18 }, c.numClasses, c.seed, {
        extraLevels: c.extraLevels,
        head: { regMax: c.regMax },
      }),
  }),
  "gfl-r50": entry({
    family: "gfl",
    description: "GFL: ResNet-50 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS (mmdet gfl_r50_fpn_1x_coco)",
    config: gflConfigSchema,
    create: (c) =>
      createGfl({ type: "resnet", depth: 50 }, c.numClasses, c.seed, {
        extraLevels: c.extraLevels,
        head: { regMax: c.regMax },
      }),
  }),
  "gfl-r101": entry({
    family: "gfl",
    description:
      "GFL: ResNet-101 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS (mmdet gfl_r101_fpn_ms-2x_coco), 51.4 M params",
    config: gflConfigSchema,
    create: (c) =>
      createGfl({ type: "resnet", depth: 101 }, c.numClasses, c.seed, {
        extraLevels: c.extraLevels,
        head: { regMax: c.regMax },
      }),
  }),
  "gfl-mbv2": entry({
    family: "gfl",
    description: "GFL: MobileNetV2 + FPN (P3–P7) + GFL head (QFL, DFL, GIoU), ATSS",
    config: gflConfigSchema,
    create: (c) =>
      createGfl({ type: "mobilenetv2", widthMult: 1 }, c.numClasses, c.seed, {
        extraLevels: c.extraLevels,
        head: { regMax: c.regMax },
      }),
  }),
  "fcos-r18": entry({
    family: "fcos",
    description: "FCOS: ResNet-18 + FPN (P3–P7) + GN head (focal, GIoU, centre-ness), centre sampling",
    config: fcosConfigSchema,
    create: (c) =>
      createFcos({ type: "resnet", depth: 18 }, c.numClasses, c.seed, {
        head: { distance: c.distance, loss: { assigner: { centerSampling: c.centerSampling } } },
      }),
  }),
  "fcos-r50": entry({
    family: "fcos",
    description:
      "FCOS: ResNet-50 + FPN (P3–P7) + GN head (focal, GIoU, centre-ness), centre sampling (mmdet FCOSHead, exp distances)",
    config: fcosConfigSchema,
    create: (c) =>
      createFcos({ type: "resnet", depth: 50 }, c.numClasses, c.seed, {
        head: { distance: c.distance, loss: { assigner: { centerSampling: c.centerSampling } } },
      }),
  }),
  "fcos-r101": entry({
    family: "fcos",
    description:
      "FCOS: ResNet-101 + FPN (P3–P7) + GN head (focal, GIoU, centre-ness), centre sampling (mmdet FCOSHead, exp distances), 51.3 M params",
    config: fcosConfigSchema,
    create: (c) =>
      createFcos({ type: "resnet", depth: 101 }, c.numClasses, c.seed, {
        head: { distance: c.distance, loss: { assigner: { centerSampling: c.centerSampling } } },
      }),
  }),
  "retina-r18": entry({
    family: "retina",
    description:
      "RetinaNet: ResNet-18 + FPN (P3–P7) + head with 9 anchors/location (focal, L1 deltas), max-IoU",
    config: retinaConfigSchema,
    create: (c) =>
      createRetina({ type: "resnet", depth: 18 }, c.numClasses, c.seed, {
        head: { loss: { boxLoss: c.boxLoss } },
      }),
  }),
  "retina-r50": entry({
    family: "retina",
    description:
      "RetinaNet: ResNet-50 + FPN (P3–P7) + head with 9 anchors/location (focal, L1 deltas), max-IoU (mmdet retinanet_r50_fpn_1x_coco)",
    config: retinaConfigSchema,
    create: (c) =>
      createRetina({ type: "resnet", depth: 50 }, c.numClasses, c.seed, {
        head: { loss: { boxLoss: c.boxLoss } },
      }),
  }),
  "retina-r101": entry({
    family: "retina",
    description:
      "RetinaNet: ResNet-101 + FPN (P3–P7) + head with 9 anchors/location (focal, L1 deltas), max-IoU (mmdet retinanet_r101_fpn_1x_coco), 57.0 M params",
    config: retinaConfigSchema,
    create: (c) =>
      createRetina({ type: "resnet", depth: 101 }, c.numClasses, c.seed, {
        head: { loss: { boxLoss: c.boxLoss } },
      }),
  }),
  "yolox-n": entry({
    family: "yolox",
    description:
      "YOLOX-nano: CSPDarknet (d 0.33, w 0.25, depthwise) + PAFPN + decoupled head with objectness, SimOTA, 0.91 M params",
    config: yoloxConfigSchema,
    create: (c) => createYolox(YOLOX_SCALES.nano, c.numClasses, c.seed),
  }),
  "yolox-s": entry({
    family: "yolox",
    description:
      "YOLOX-s: CSPDarknet (d 0.33, w 0.5) + PAFPN + decoupled head with objectness, SimOTA, 8.97 M params",
    config: yoloxConfigSchema,
    create: (c) => createYolox(YOLOX_SCALES.s, c.numClasses, c.seed),
  }),
  "yolox-l": entry({
    family: "yolox",
    description:
      "YOLOX-l: CSPDarknet (d 1.0, w 1.0) + PAFPN (256/512/1024 → head 256) + decoupled head with objectness, SimOTA, the FSD paper's teacher",
    config: yoloxConfigSchema,
    create: (c) => createYolox({ depth: 1.0, width: 1.0, depthwise: false }, c.numClasses, c.seed),
  }),
} as const;

/** Id of a registered detector. */
export type DetectorId = keyof typeof DETECTORS;
/** Config accepted by `createDetector(id, config)` (fields optional, defaults applied). */
export type DetectorConfigInput<Id extends DetectorId> = z.input<(typeof DETECTORS)[Id]["config"]>;
/** The resolved config of a detector. */
export type DetectorConfig<Id extends DetectorId> = z.output<(typeof DETECTORS)[Id]["config"]>;

/** Ids of every registered detector. */
export const DETECTOR_IDS = Object.keys(DETECTORS) as DetectorId[];

/**
 * Builds the registered detector `id` with `config` validated by its schema. Unknown ids and bad
 * fields throw, naming the id, the field, the value and what is allowed. The result carries its
 * `spec` so it can be saved and rebuilt.
 */
export function createDetector<Id extends DetectorId>(
  id: Id,
  config: DetectorConfigInput<Id> = {} as DetectorConfigInput<Id>,
): Detector {
  const e = (DETECTORS as Record<string, DetectorEntry>)[id];
  if (!e)
    throw new Error(
      `createDetector: unknown detector "${String(id)}"; registered: ${DETECTOR_IDS.join(", ")}`,
    );
  const parsed = e.config.safeParse(config);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join(".") || "<config>"}: ${i.message}`)
      .join("; ");
    throw new Error(`createDetector("${id}"): invalid config ${JSON.stringify(config)}: ${issues}`);
  }
  const det = e.create(parsed.data);
  const bnMomentum = (parsed.data as { bnMomentum?: number }).bnMomentum;
  if (bnMomentum !== undefined) configureBatchNorm(det, { momentum: bnMomentum });
  det.spec = { id, config: parsed.data as Record<string, unknown> };
  return det;
}
