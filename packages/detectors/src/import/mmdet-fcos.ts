import { MMDET_IMAGENET_NORM } from "./input-normalization";
import { guessResnet, mmdetIgnoreReason, mmdetName } from "./mmdet-names";
import type { CheckpointConfig, WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/** The training config text mmengine / mmcv store in a checkpoint (`meta.cfg`, mmdet 2: `meta.config`). */
export function mmdetConfigText(root: unknown): string | undefined {
  const meta = root instanceof Map ? root.get("meta") : undefined;
  if (!(meta instanceof Map)) return undefined;
  const text = meta.get("cfg") ?? meta.get("config");
  return typeof text === "string" ? text : undefined;
}

/**
 * FCOS settings no tensor shape shows, from the stored config: a caffe-style backbone (`style='caffe'`: stride
 * on the 1×1 conv, BGR 0–255 input) is refused, as kdet's ResNet is torchvision style; `norm_on_bbox=True`
 * (distances relu(s·z) in strides) maps to kdet `distance: "relu"`; without it mmdet's distances are exp(s·z)
 * pixels, which kdet's `"exp"` (exp(s·z) strides) cannot reproduce with shared head weights — refused too.
 * Without a stored config, `norm_on_bbox=True` and a pytorch-style backbone are assumed, with a warning.
 */
function fcosConfig(root: unknown, file: string): Pick<CheckpointConfig, "fields" | "warnings"> {
  const text = mmdetConfigText(root);
  if (text === undefined)
    return {
      fields: { distance: "relu" },
      warnings: [
        "the checkpoint stores no training config: assuming an FCOS head with norm_on_bbox=True and a pytorch-style ResNet",
      ],
    };
  if (/style\s*=\s*['"]caffe['"]/.test(text))
    throw new CheckpointFormatError(
      file,
      "mmdet-fcos: the backbone is caffe-style (stride on the 1×1 conv, BGR input with std 1); kdet's ResNet is pytorch-style, so its outputs cannot match",
    );
  if (!/norm_on_bbox\s*=\s*True/.test(text))
    throw new CheckpointFormatError(
      file,
      "mmdet-fcos: the head has norm_on_bbox=False (distances exp(s·z) in pixels); kdet's FCOS predicts in strides (relu, or exp), so its boxes cannot match; supported: norm_on_bbox=True",
    );
  return { fields: { distance: "relu" } };
}

/**
 * mmdetection FCOS checkpoints with `norm_on_bbox=True`, `centerness_on_reg=True`, `conv_bias=True` (e.g.
 * `fcos_r18_fpn_gn-head-center-normbbox-centeronreg-giou_*`) → kdet `fcos-r18|r50` with `distance: "relu"`:
 * backbone and neck per {@link mmdetName} (FPN on outputs, ReLU before P7), towers `cls_convs` / `reg_convs`
 * (conv with bias + GN) → `head.cls_tower` / `head.reg_tower`, `conv_cls` / `conv_reg` / `conv_centerness` →
 * `head.cls_out` / `head.reg_out` / `head.ctr_out`, `scales.<i>.scale` → `head.scale_p<i+3>.scale`.
 */
export const mmdetFcos: WeightMapping = {
  id: "mmdet-fcos",
  format: "mmdet",
  models: ["fcos-r18", "fcos-r50"],
  guessModel: (tensors) => guessResnet(tensors, { 18: "fcos-r18", 50: "fcos-r50" } as const),
  kdetName: (name) =>
    mmdetName(name, (rest) => {
      const out = /^conv_(cls|reg|centerness)\.(weight|bias)$/.exec(rest);
      if (out) return `${out[1] === "centerness" ? "ctr" : out[1]}_out.${out[2]}`;
      const scale = /^scales\.(\d+)\.scale$/.exec(rest);
      return scale ? `scale_p${Number(scale[1]) + 3}.scale` : undefined;
    }),
  ignoreReason: mmdetIgnoreReason,
  // mmdet `test_cfg` of the FCOS configs
  postprocess: { scoreThreshold: 0.05, iouThreshold: 0.5, maxDetections: 100 },
  classDependent: (k) => k.startsWith("head.cls_out."),
  inputNormalization: MMDET_IMAGENET_NORM,
  config(tensors, file, root) {
    const cls = tensors.get("bbox_head.conv_cls.weight");
    if (!cls || !tensors.has("bbox_head.conv_centerness.weight"))
      throw new CheckpointFormatError(
        file,
        "not an mmdetection FCOS checkpoint: no bbox_head.conv_cls / bbox_head.conv_centerness tensors",
      );
    return { numClasses: cls.shape[0] as number, ...fcosConfig(root, file) };
  },
};
