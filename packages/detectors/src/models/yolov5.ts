import { Rng } from "@kdet/core";
import type { YoloScale } from "../backbones/cspdarknet";
import { Yolov5Darknet } from "../backbones/yolov5-darknet";
import { Detector } from "../detector";
import { Yolov5Head, type Yolov5HeadOptions } from "../heads/yolov5-head";
import { YoloxPafpn } from "../necks/yolox-pafpn";

/**
 * A YOLOv5 detector (ultralytics/yolov5 v6.0+/v7.0 `models/yolov5{n,s}.yaml`): YOLOv5 CSPDarknet with C3 blocks
 * and SPPF, PANet neck, anchor-based `Detect` head with 3 anchors per level and the YOLOv5 loss, scaled by `scale`;
 * `seed` drives the weight init. The neck of yolov5s.yaml (layers 10–23: Conv 1×1 + upsample + concat + C3 without
 * shortcut top-down, Conv 3×3 s2 + concat + C3 bottom-up) is the same network as YOLOX's PAFPN ({@link YoloxPafpn},
 * max(round(3·depth), 1) = round(3·depth) bottlenecks per C3 at depths 0.33 and above).
 */
export function createYolov5(
  scale: YoloScale,
  numClasses: number,
  seed: number,
  head: Yolov5HeadOptions = {},
): Detector {
  const rng = new Rng(seed);
  const backbone = new Yolov5Darknet(scale, rng);
  const neck = new YoloxPafpn(backbone.levels, scale.depth, false, rng);
  return new Detector(backbone, neck, new Yolov5Head(neck.levels, numClasses, rng, head));
}
