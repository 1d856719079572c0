import { Rng } from "@kdet/core";
import { ResNet, type ResNetDepth } from "../backbones/resnet";
import { Detector } from "../detector";
import { FasterRcnnHead, type FasterRcnnHeadOptions } from "../heads/faster-rcnn-head";
import { Fpn } from "../necks/fpn";

/**
 * A Faster R-CNN detector (mmdet `faster-rcnn_r50_fpn_1x_coco` layout): torchvision ResNet C2–C5 (strides 4…32)
 * → FPN (256 channels, P2–P5 from laterals and 3×3 output convs, P6 = 1×1 stride-2 max-pool of P5:
 * `add_extra_convs=False`, `num_outs=5`) → {@link FasterRcnnHead} (RPN on P2–P6, RoIs pooled from P2–P5).
 * `seed` drives the init.
 */
export function createFasterRcnn(
  depth: ResNetDepth,
  numClasses: number,
  seed: number,
  opts: { head?: FasterRcnnHeadOptions } = {},
): Detector {
  const rng = new Rng(seed);
  const bb = new ResNet(depth, rng, 64, 2);
  const neck = new Fpn(bb.levels, 256, 1, rng, { extraKind: "maxpool" });
  return new Detector(bb, neck, new FasterRcnnHead(neck.levels, numClasses, rng, opts.head));
}
