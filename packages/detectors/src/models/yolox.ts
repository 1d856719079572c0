import { Rng } from "@kdet/core";
import { YoloxDarknet, type YoloxScale } from "../backbones/yolox-darknet";
import { Detector } from "../detector";
import { YoloxHead, type YoloxHeadOptions } from "../heads/yolox-head";
import { YoloxPafpn } from "../necks/yolox-pafpn";

/**
 * A YOLOX detector (Ge et al. 2021; Megvii YOLOX `YOLOX(YOLOPAFPN, YOLOXHead)`): YOLOX CSPDarknet
 * backbone, YOLOX PAFPN, decoupled head with objectness and SimOTA loss, all scaled by `scale`
 * (depthwise-separable convs when `scale.depthwise`, as YOLOX-nano); `seed` drives the weight init.
 */
export function createYolox(
  scale: YoloxScale,
  numClasses: number,
  seed: number,
  head: YoloxHeadOptions = {},
): Detector {
  const rng = new Rng(seed);
  const backbone = new YoloxDarknet(scale, rng);
  const neck = new YoloxPafpn(backbone.levels, scale.depth, scale.depthwise, rng);
  return new Detector(
    backbone,
    neck,
    new YoloxHead(neck.levels, numClasses, rng, { depthwise: scale.depthwise, ...head }),
  );
}
