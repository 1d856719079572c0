import type { Rng } from "@kdet/core";
import { MobileNetV2 } from "../backbones/mobilenet-v2";
import { ResNet, type ResNetDepth } from "../backbones/resnet";
import type { Backbone } from "../nn/feature-pyramid";

/** Backbones of the FPN detectors (GFL, FCOS, RetinaNet): outputs C3–C5 at strides 8/16/32. */
export type BackboneSpec =
  | { type: "resnet"; depth: ResNetDepth }
  | { type: "mobilenetv2"; widthMult: number };

/** Builds the backbone `spec` (torchvision ResNet or MobileNetV2), drawing its init from `rng`. */
export function createBackbone(spec: BackboneSpec, rng: Rng): Backbone {
  return spec.type === "resnet" ? new ResNet(spec.depth, rng) : new MobileNetV2(rng, spec.widthMult);
}
