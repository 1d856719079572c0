/**
 * `DETECTORS`: every named detector kdet builds, the static entry of `DETECTOR_INFO` (family, description, config
 * schema; free of TensorFlow.js) extended with its factory, and `createDetector`, the checked entry point.
 */
import type { z } from "zod";
import { YOLOV8_SCALES } from "./backbones/cspdarknet";
import type { Detector } from "./detector";
import { createGfl } from "./models/gfl";
import { createFcos } from "./models/fcos";
import type { FasterRcnnHeadOptions } from "./heads/faster-rcnn-head";
import { createFasterRcnn } from "./models/faster-rcnn";
import { createRetina } from "./models/retina";
import { createYolov8 } from "./models/yolov8";
import { YOLOV5_SCALES } from "./backbones/yolov5-darknet";
import { createYolov5 } from "./models/yolov5";
import { YOLOX_SCALES } from "./backbones/yolox-darknet";
import { createYolox } from "./models/yolox";
import { configureBatchNorm } from "./nn/training-mode";
import {
  DETECTOR_IDS,
  DETECTOR_INFO,
  type DetectorConfig,
  type DetectorConfigInput,
  type DetectorId,
  type DetectorInfo,
} from "./registry-info";

export {
  DETECTOR_IDS,
  fasterRcnnConfigSchema,
  fcosConfigSchema,
  gflConfigSchema,
  retinaConfigSchema,
  yolov5ConfigSchema,
  yolov8ConfigSchema,
  yoloxConfigSchema,
  type DetectorConfig,
  type DetectorConfigInput,
  type DetectorId,
  type DetectorInfo,
} from "./registry-info";

/** One registry entry: the static {@link DetectorInfo} plus its factory. */
export interface DetectorEntry<S extends z.ZodType = z.ZodType> extends DetectorInfo<S> {
  readonly create: (config: z.output<S>) => Detector;
}

/** The factory of every detector (the one thing `DETECTORS` adds to `DETECTOR_INFO`). */
const FACTORIES: { [Id in DetectorId]: (c: DetectorConfig<Id>) => Detector } = {
  "yolov8-n": (c) => createYolov8(YOLOV8_SCALES.n, c.numClasses, c.seed, { regMax: c.regMax }),
  "yolov8-s": (c) => createYolov8(YOLOV8_SCALES.s, c.numClasses, c.seed, { regMax: c.regMax }),
  "yolov8-m": (c) => createYolov8(YOLOV8_SCALES.m, c.numClasses, c.seed, { regMax: c.regMax }),
  "yolov5-n": (c) => createYolov5(YOLOV5_SCALES.n, c.numClasses, c.seed),
  "yolov5-s": (c) => createYolov5(YOLOV5_SCALES.s, c.numClasses, c.seed),
  "gfl-r18": (c) =>
    createGfl({ type: "resnet", depth: 18 }, c.numClasses, c.seed, {
      extraLevels: c.extraLevels,
      head: { regMax: c.regMax },
    }),
  "gfl-r50": (c) =>
    createGfl({ type: "resnet", depth: 50 }, c.numClasses, c.seed, {
      extraLevels: c.extraLevels,
      head: { regMax: c.regMax },
    }),
  "gfl-r101": (c) =>
    createGfl({ type: "resnet", depth: 101 }, c.numClasses, c.seed, {
      extraLevels: c.extraLevels,
      head: { regMax: c.regMax },
    }),
  "gfl-mbv2": (c) =>
    createGfl({ type: "mobilenetv2", widthMult: 1 }, c.numClasses, c.seed, {
      extraLevels: c.extraLevels,
      head: { regMax: c.regMax },
    }),
  "fcos-r18": (c) =>
    createFcos({ type: "resnet", depth: 18 }, c.numClasses, c.seed, {
      head: { distance: c.distance, loss: { assigner: { centerSampling: c.centerSampling } } },
    }),
  "fcos-r50": (c) =>
    createFcos({ type: "resnet", depth: 50 }, c.numClasses, c.seed, {
      head: { distance: c.distance, loss: { assigner: { centerSampling: c.centerSampling } } },
    }),
  "fcos-r101": (c) =>
    createFcos({ type: "resnet", depth: 101 }, c.numClasses, c.seed, {
      head: { distance: c.distance, loss: { assigner: { centerSampling: c.centerSampling } } },
    }),
  "retina-r18": (c) =>
    createRetina({ type: "resnet", depth: 18 }, c.numClasses, c.seed, {
      head: { loss: { boxLoss: c.boxLoss } },
    }),
  "retina-r50": (c) =>
    createRetina({ type: "resnet", depth: 50 }, c.numClasses, c.seed, {
      head: { loss: { boxLoss: c.boxLoss } },
    }),
  "retina-r101": (c) =>
    createRetina({ type: "resnet", depth: 101 }, c.numClasses, c.seed, {
      head: { loss: { boxLoss: c.boxLoss } },
    }),
  "yolox-n": (c) => createYolox(YOLOX_SCALES.nano, c.numClasses, c.seed),
  "yolox-s": (c) => createYolox(YOLOX_SCALES.s, c.numClasses, c.seed),
  "yolox-l": (c) => createYolox(YOLOX_SCALES.l, c.numClasses, c.seed),
  "faster-rcnn-r50": (c) => createFasterRcnn(50, c.numClasses, c.seed, { head: fasterRcnnHead(c) }),
  "faster-rcnn-r101": (c) => createFasterRcnn(101, c.numClasses, c.seed, { head: fasterRcnnHead(c) }),
};

/** Head options of a Faster R-CNN config: its proposal counts (NMS IoU 0.7, mmdet), sampled RoIs and sampler seed. */
function fasterRcnnHead(c: DetectorConfig<"faster-rcnn-r50">): FasterRcnnHeadOptions {
  return {
    trainProposals: { ...c.trainProposals, iouThreshold: 0.7 },
    testProposals: { ...c.testProposals, iouThreshold: 0.7 },
    samplerSeed: c.seed,
    rcnnSamples: c.rcnnSamples,
  };
}

/**
 * Every named detector kdet builds (typed const table; no registration by side effect): the static entry of
 * `DETECTOR_INFO` plus its factory. Configs are validated by each entry's zod schema; `createDetector` is the
 * checked entry point.
 */
export const DETECTORS = Object.fromEntries(
  DETECTOR_IDS.map((id) => [id, { ...DETECTOR_INFO[id], create: FACTORIES[id] }]),
) as {
  readonly [Id in DetectorId]: (typeof DETECTOR_INFO)[Id] & { readonly create: (typeof FACTORIES)[Id] };
};

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
