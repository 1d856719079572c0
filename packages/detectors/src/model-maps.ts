/**
 * The tappable maps of every registered detector, described without building it (free of TensorFlow.js, part of
 * `@kdet/detectors/config`): channels and stride of `neck.<level>`, `head.cls.<level>` and `head.box.<level>`, the
 * head's levels and its predictions per location, from the registry config. Config tools use it where the model is
 * not built (`kdet config print` expands a method preset with it); `model-maps.test.ts` checks every entry against
 * the `featureInfo` of the built detector.
 */
import type { z } from "zod";
import {
  scaleChannels,
  YOLOV5_SCALES,
  YOLOV8_SCALES,
  YOLOX_SCALES,
  type YoloScale,
  type YoloxScale,
} from "./backbones/scales";
import { DETECTOR_INFO, type DetectorConfig, type DetectorId } from "./registry-info";

/** Channels and stride (input pixels per cell) of one map. */
export interface StaticMapInfo {
  channels: number;
  stride: number;
}

/** A detector's tappable maps as far as they are known from its config. */
export interface ModelMaps {
  /** Maps by tap name (`neck.p3`, `head.cls.p3`, `head.box.p3`, …). */
  maps: Record<string, StaticMapInfo>;
  /** The head's pyramid levels, finest first (`p3`, `p4`, …). */
  levels: string[];
  /** Predictions per location of the head (1 for anchor-point heads; RetinaNet 9, YOLOv5 3), channels anchor-major. */
  anchorsPerLocation: number;
}

/** Neck levels p`first`, … (stride 2^level) of `neck` channels with a head of `cls` / `box` channels per level. */
function pyramid(
  neck: readonly number[],
  cls: number,
  box: number,
  anchorsPerLocation: number,
  first = 3,
): ModelMaps {
  const levels = neck.map((_, i) => `p${first + i}`);
  const maps: Record<string, StaticMapInfo> = {};
  levels.forEach((l, i) => {
    const stride = 2 ** (first + i);
    maps[`neck.${l}`] = { channels: neck[i]!, stride };
    maps[`head.cls.${l}`] = { channels: cls, stride };
    maps[`head.box.${l}`] = { channels: box, stride };
  });
  return { maps, levels, anchorsPerLocation };
}

/** YOLOv8: PAFPN outputs 256/512/1024 scaled, DFL box (4 × regMax bins). */
const yolov8 =
  (s: YoloScale) =>
  (c: { numClasses: number; regMax: number }): ModelMaps =>
    pyramid(
      [256, 512, 1024].map((ch) => scaleChannels(ch, s)),
      c.numClasses,
      4 * c.regMax,
      1,
    );
/** YOLOv5: the backbone's 256/512/1024 scaled through the PANet, 3 anchors per location (4 box numbers each). */
const yolov5 =
  (s: YoloScale) =>
  (c: { numClasses: number }): ModelMaps =>
    pyramid(
      [256, 512, 1024].map((ch) => scaleChannels(ch, s)),
      3 * c.numClasses,
      3 * 4,
      3,
    );
/** YOLOX: PAFPN at the backbone's 4b/8b/16b channels (b = ⌊64·width⌋), 4 box numbers. */
const yolox =
  (s: YoloxScale) =>
  (c: { numClasses: number }): ModelMaps => {
    const b = Math.trunc(64 * s.width);
    return pyramid([4 * b, 8 * b, 16 * b], c.numClasses, 4, 1);
  };
/** An FPN of 256 channels over `levels` levels. */
const fpn = (levels: number) => Array.from({ length: levels }, () => 256);
/** GFL: FPN P3–P(5 + extraLevels), DFL box with regMax + 1 bins per side. */
const gfl = (c: { numClasses: number; regMax: number; extraLevels: number }) =>
  pyramid(fpn(3 + c.extraLevels), c.numClasses, 4 * (c.regMax + 1), 1);
/** FCOS: FPN P3–P7, 4 distances. */
const fcos = (c: { numClasses: number }) => pyramid(fpn(5), c.numClasses, 4, 1);
/** RetinaNet: FPN P3–P7, 9 anchors per location (4 deltas each). */
const retina = (c: { numClasses: number }) => pyramid(fpn(5), 9 * c.numClasses, 9 * 4, 9);

/** Faster R-CNN: FPN P2–P6 (strides 4…64), RPN with 3 anchors per location: 1 objectness logit and 4 deltas each. */
const fasterRcnn = (): ModelMaps => pyramid(fpn(5), 3, 3 * 4, 3, 2);

/** The map description of every registered detector, from its resolved config. */
export const DETECTOR_MAPS: { readonly [Id in DetectorId]: (config: DetectorConfig<Id>) => ModelMaps } = {
  "yolov8-n": yolov8(YOLOV8_SCALES.n),
  "yolov8-s": yolov8(YOLOV8_SCALES.s),
  "yolov8-m": yolov8(YOLOV8_SCALES.m),
  "yolov5-n": yolov5(YOLOV5_SCALES.n),
  "yolov5-s": yolov5(YOLOV5_SCALES.s),
  "gfl-r18": gfl,
  "gfl-r50": gfl,
  "gfl-r101": gfl,
  "gfl-mbv2": gfl,
  "fcos-r18": fcos,
  "fcos-r50": fcos,
  "fcos-r101": fcos,
  "retina-r18": retina,
  "retina-r50": retina,
  "retina-r101": retina,
  "yolox-n": yolox(YOLOX_SCALES.nano),
  "yolox-s": yolox(YOLOX_SCALES.s),
  "yolox-l": yolox(YOLOX_SCALES.l),
  "faster-rcnn-r50": fasterRcnn,
  "faster-rcnn-r101": fasterRcnn,
};

/**
 * The maps of detector `id` with `config` (a registry config as written; validated by the entry's schema, errors
 * name the field).
 */
export function describeMaps<Id extends DetectorId>(
  id: Id,
  config: z.input<(typeof DETECTOR_INFO)[Id]["config"]>,
): ModelMaps {
  const schema = DETECTOR_INFO[id].config as unknown as z.ZodType<DetectorConfig<Id>>;
  const r = schema.safeParse(config);
  if (!r.success)
    throw new Error(
      `describeMaps("${id}"): invalid config: ${r.error.issues.map((i) => `${i.path.join(".") || "<config>"}: ${i.message}`).join("; ")}`,
    );
  return DETECTOR_MAPS[id](r.data);
}
