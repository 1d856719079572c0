import { Rng } from "@kdet/core";
import { Detector } from "../detector";
import { FcosHead, type FcosHeadOptions } from "../heads/fcos-head";
import { Fpn } from "../necks/fpn";
import { createBackbone, type BackboneSpec } from "./backbone-spec";

/**
 * An FCOS detector (mmdet `fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco`
 * layout, torchvision-style backbone): backbone C3–C5 → FPN (256 channels, P6/P7 by stride-2 convs
 * on P5 with ReLU before P7: `add_extra_convs="on_output"`, `relu_before_extra_convs`) → FCOS head
 * over P3–P7 (strides 8…128). `seed` drives the init.
 */
export function createFcos(
  backbone: BackboneSpec,
  numClasses: number,
  seed: number,
  opts: { fpnChannels?: number; head?: FcosHeadOptions } = {},
): Detector {
  const rng = new Rng(seed);
  const bb = createBackbone(backbone, rng);
  const neck = new Fpn(bb.levels, opts.fpnChannels ?? 256, 2, rng, {
    extraFrom: "output",
    reluBeforeExtra: true,
  });
  return new Detector(
    bb,
    neck,
    new FcosHead(neck.levels, numClasses, rng, { featChannels: opts.fpnChannels ?? 256, ...opts.head }),
  );
}
