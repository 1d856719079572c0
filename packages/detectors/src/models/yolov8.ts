import { Rng } from "@kdet/core";
import { CspDarknet, scaleChannels, scaleDepth, type YoloScale } from "../backbones/cspdarknet";
import { Detector } from "../detector";
import { Yolov8Head, type Yolov8HeadOptions } from "../heads/yolov8-head";
import { Pafpn } from "../necks/pafpn";

/**
 * A YOLOv8 detector (ultralytics yolov8.yaml): CSPDarknet backbone, PAFPN neck, decoupled DFL head,
 * all scaled by `scale`; `seed` drives the weight init.
 */
export function createYolov8(
  scale: YoloScale,
  numClasses: number,
  seed: number,
  head: Yolov8HeadOptions = {},
): Detector {
  const rng = new Rng(seed);
  const backbone = new CspDarknet(scale, rng);
  const out = [256, 512, 1024].map((c) => scaleChannels(c, scale)) as [number, number, number];
  const neck = new Pafpn(backbone.levels, out, scaleDepth(3, scale), rng);
  return new Detector(backbone, neck, new Yolov8Head(neck.levels, numClasses, rng, head));
}
