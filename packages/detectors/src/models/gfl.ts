import { Rng } from "@kdet/core";
import { Detector } from "../detector";
import { GflHead, type GflHeadOptions } from "../heads/gfl-head";
import { Fpn } from "../necks/fpn";
import { createBackbone, type BackboneSpec } from "./backbone-spec";

/** Backbones a GFL detector can use. */
export type GflBackbone = BackboneSpec;

/**
 * A GFL detector (mmdet `gfl_r50_fpn_1x_coco` layout): backbone C3–C5 → FPN (256 channels,
 * `extraLevels` stride-2 convs on P5, default 2 → P3–P7) → GFL head; `seed` drives the init.
 */
export function createGfl(
  backbone: GflBackbone,
  numClasses: number,
  seed: number,
  opts: { extraLevels?: number; fpnChannels?: number; head?: GflHeadOptions } = {},
): Detector {
  const rng = new Rng(seed);
  const bb = createBackbone(backbone, rng);
  const neck = new Fpn(bb.levels, opts.fpnChannels ?? 256, opts.extraLevels ?? 2, rng);
  return new Detector(
    bb,
    neck,
    new GflHead(neck.levels, numClasses, rng, { featChannels: opts.fpnChannels ?? 256, ...opts.head }),
  );
}
