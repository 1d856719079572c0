/**
 * The compound-scaling constants of the YOLO backbones (depth and width multiples, channel caps) and the channel
 * rounding they use, free of TensorFlow.js: the backbones build from them and `@kdet/detectors/config` describes
 * the models' maps with them.
 */

/** YOLOv8 compound scaling: depth multiple, width multiple, channel cap (ultralytics yolov8.yaml). */
export interface YoloScale {
  depth: number;
  width: number;
  maxChannels: number;
}

/** The YOLOv8 scales n, s, m as in ultralytics `yolov8.yaml`. */
export const YOLOV8_SCALES = {
  n: { depth: 0.33, width: 0.25, maxChannels: 1024 },
  s: { depth: 0.33, width: 0.5, maxChannels: 1024 },
  m: { depth: 0.67, width: 0.75, maxChannels: 768 },
} as const satisfies Record<string, YoloScale>;

/** Channels after scaling: ⌈min(c, max)·width / 8⌉·8 (ultralytics `make_divisible`). */
export function scaleChannels(c: number, s: YoloScale): number {
  return Math.ceil((Math.min(c, s.maxChannels) * s.width) / 8) * 8;
}

/** Repeats after scaling: max(round(n·depth), 1). */
export function scaleDepth(n: number, s: YoloScale): number {
  return Math.max(Math.round(n * s.depth), 1);
}

/** YOLOX compound scaling (Megvii YOLOX `exps/default/yolox_*.py`): depth and width multiples, depthwise convs. */
export interface YoloxScale {
  depth: number;
  width: number;
  depthwise: boolean;
}

/** The YOLOX scales as in Megvii YOLOX `exps/default` (nano: depthwise convs; published sizes 0.91 M / 5.06 M / 9.0 M / 25.3 M / 54.2 M params). */
export const YOLOX_SCALES = {
  nano: { depth: 0.33, width: 0.25, depthwise: true },
  tiny: { depth: 0.33, width: 0.375, depthwise: false },
  s: { depth: 0.33, width: 0.5, depthwise: false },
  m: { depth: 0.67, width: 0.75, depthwise: false },
  l: { depth: 1.0, width: 1.0, depthwise: false },
} as const satisfies Record<string, YoloxScale>;

/** The YOLOv5 scales n and s as in ultralytics/yolov5 `models/yolov5{n,s}.yaml` (depth and width multiples). */
export const YOLOV5_SCALES = {
  n: { depth: 0.33, width: 0.25, maxChannels: 1024 },
  s: { depth: 0.33, width: 0.5, maxChannels: 1024 },
} as const satisfies Record<string, YoloScale>;
