import { MMDET_IMAGENET_NORM } from "./input-normalization";
import { mmdetIgnoreReason, mmdetResnetName } from "./mmdet-names";
import type { WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/**
 * The kdet name of an mmdetection Faster R-CNN tensor: `backbone.*` (ResNet, {@link mmdetResnetName});
 * `neck.lateral_convs.<i>` / `fpn_convs.<i>` → `neck.lat<i+2>` / `neck.p<i+2>` (FPN `start_level=0`, C2–C5);
 * `rpn_head.rpn_conv` → `head.rpn_conv.conv`, `rpn_cls` / `rpn_reg` → `head.rpn_cls` / `head.rpn_reg`
 * (A anchors, anchor-major in both); `roi_head.bbox_head.shared_fcs.<i>` → `head.roi.shared_fc<i+1>`,
 * `fc_cls` / `fc_reg` → `head.roi.fc_cls` / `head.roi.fc_reg` (linear weights transposed on import; the box
 * head flattens RoIs in mmdet's (c, y, x) order, so no permutation).
 */
export function mmdetFasterRcnnName(name: string): string | undefined {
  const [scope, ...parts] = name.split(".");
  const rest = parts.join(".");
  if (scope === "backbone") {
    const k = mmdetResnetName(rest);
    return k && `backbone.${k}`;
  }
  const fpn = /^neck\.(lateral_convs|fpn_convs)\.(\d+)\.conv\.(weight|bias)$/.exec(name);
  if (fpn) return `neck.${fpn[1] === "lateral_convs" ? "lat" : "p"}${Number(fpn[2]) + 2}.${fpn[3]}`;
  const rpn = /^rpn_head\.rpn_(conv|cls|reg)\.(weight|bias)$/.exec(name);
  if (rpn) return rpn[1] === "conv" ? `head.rpn_conv.conv.${rpn[2]}` : `head.rpn_${rpn[1]}.${rpn[2]}`;
  const fc = /^roi_head\.bbox_head\.(?:shared_fcs\.(\d+)|(fc_cls|fc_reg))\.(weight|bias)$/.exec(name);
  if (fc) return `head.roi.${fc[1] !== undefined ? `shared_fc${Number(fc[1]) + 1}` : fc[2]}.${fc[3]}`;
  return undefined;
}

/**
 * mmdetection Faster R-CNN checkpoints (`faster-rcnn_r{50,101}_fpn_*`: `{meta, state_dict}`) → kdet
 * `faster-rcnn-r50|r101`, names per {@link mmdetFasterRcnnName}. mmdet normalises inputs with ImageNet
 * mean/std ({@link MMDET_IMAGENET_NORM}).
 */
export const mmdetFasterRcnn: WeightMapping = {
  id: "mmdet-faster-rcnn",
  format: "mmdet",
  models: ["faster-rcnn-r50", "faster-rcnn-r101"],
  guessModel: (tensors) => {
    const c1 = (tensors.get("backbone.conv1.weight") as { shape?: readonly number[] } | undefined)?.shape;
    if (c1?.[0] !== 64 || !tensors.has("backbone.layer1.0.conv3.weight")) return undefined;
    if (tensors.has("backbone.layer3.5.conv3.weight") && !tensors.has("backbone.layer3.6.conv1.weight"))
      return "faster-rcnn-r50";
    if (tensors.has("backbone.layer3.22.conv3.weight") && !tensors.has("backbone.layer3.23.conv1.weight"))
      return "faster-rcnn-r101";
    return undefined;
  },
  kdetName: mmdetFasterRcnnName,
  ignoreReason: mmdetIgnoreReason,
  // mmdet `test_cfg.rcnn` of faster-rcnn_r50_fpn
  postprocess: { scoreThreshold: 0.05, iouThreshold: 0.5, maxDetections: 100 },
  classDependent: (k) => k.startsWith("head.roi.fc_cls.") || k.startsWith("head.roi.fc_reg."),
  inputNormalization: MMDET_IMAGENET_NORM,
  config(tensors, file) {
    const cls = tensors.get("roi_head.bbox_head.fc_cls.weight");
    const reg = tensors.get("roi_head.bbox_head.fc_reg.weight");
    if (!cls || !reg || !tensors.has("rpn_head.rpn_cls.weight"))
      throw new CheckpointFormatError(
        file,
        "not an mmdetection Faster R-CNN checkpoint: no rpn_head.rpn_cls / roi_head.bbox_head.fc_cls / fc_reg tensors",
      );
    const numClasses = (cls.shape[0] as number) - 1;
    if (reg.shape[0] !== 4 * numClasses)
      throw new CheckpointFormatError(
        file,
        `roi_head.bbox_head.fc_reg has ${reg.shape[0]} outputs; kdet's box head regresses per class (4 × ${numClasses}), mmdet reg_class_agnostic=False`,
      );
    return { numClasses };
  },
};
