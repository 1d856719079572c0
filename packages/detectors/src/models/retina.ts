import { Rng } from "@kdet/core";
import { Detector } from "../detector";
import { RetinaHead, type RetinaHeadOptions } from "../heads/retina-head";
import { Fpn } from "../necks/fpn";
import { createBackbone, type BackboneSpec } from "./backbone-spec";

/**
 * A RetinaNet detector (mmdet `retinanet_r50_fpn_1x_coco` layout): backbone C3–C5 → FPN (256
 * channels, P6 = stride-2 conv on C5, P7 = stride-2 conv on P6: `add_extra_convs="on_input"`, no
 * ReLU between) → RetinaNet head over P3–P7 (strides 8…128, 9 anchors per location). `seed` drives the init.
 */
export function createRetina(
  backbone: BackboneSpec,
  numClasses: number,
  seed: number,
  opts: { fpnChannels?: number; head?: RetinaHeadOptions } = {},
): Detector {
  const rng = new Rng(seed);
  const bb = createBackbone(backbone, rng);
  const neck = new Fpn(bb.levels, opts.fpnChannels ?? 256, 2, rng, { extraFrom: "input" });
  return new Detector(
    bb,
    neck,
    new RetinaHead(neck.levels, numClasses, rng, { featChannels: opts.fpnChannels ?? 256, ...opts.head }),
  );
}
