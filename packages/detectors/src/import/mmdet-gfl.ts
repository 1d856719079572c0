import { MMDET_IMAGENET_NORM } from "./input-normalization";
import { guessResnet, mmdetIgnoreReason, mmdetName } from "./mmdet-names";
import type { WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/**
 * mmdetection GFL checkpoints (`gfl_r50_fpn_*`: `{meta, state_dict}`) → kdet `gfl-r18|r50`: backbone and neck
 * per {@link mmdetName} (FPN `add_extra_convs="on_output"`), towers `bbox_head.cls_convs.<i>` /
 * `reg_convs.<i>` (conv + GN) → `head.cls_tower.<i>` / `head.reg_tower.<i>`, `gfl_cls` / `gfl_reg` →
 * `head.cls_out` / `head.reg_out` (4 sides × (reg_max+1) bins, side-major in both), `scales.<i>.scale` →
 * `head.scale_p<i+3>.scale`. ImageNet mean/std input normalisation ({@link MMDET_IMAGENET_NORM}).
 */
export const mmdetGfl: WeightMapping = {
  id: "mmdet-gfl",
  format: "mmdet",
  models: ["gfl-r18", "gfl-r50"],
  guessModel: (tensors) => guessResnet(tensors, { 18: "gfl-r18", 50: "gfl-r50" } as const),
  kdetName: (name) =>
    mmdetName(name, (rest) => {
      const out = /^gfl_(cls|reg)\.(weight|bias)$/.exec(rest);
      if (out) return `${out[1]}_out.${out[2]}`;
      const scale = /^scales\.(\d+)\.scale$/.exec(rest);
      return scale ? `scale_p${Number(scale[1]) + 3}.scale` : undefined;
    }),
  ignoreReason: mmdetIgnoreReason,
  // mmdet `test_cfg` of gfl_r50_fpn
  postprocess: { scoreThreshold: 0.05, iouThreshold: 0.6, maxDetections: 100 },
  classDependent: (k) => k.startsWith("head.cls_out."),
  inputNormalization: MMDET_IMAGENET_NORM,
  config(tensors, file) {
    const cls = tensors.get("bbox_head.gfl_cls.weight");
    const reg = tensors.get("bbox_head.gfl_reg.weight");
    if (!cls || !reg)
      throw new CheckpointFormatError(
        file,
        "not an mmdetection GFL checkpoint: no bbox_head.gfl_cls / bbox_head.gfl_reg tensors",
      );
    return { numClasses: cls.shape[0] as number, fields: { regMax: (reg.shape[0] as number) / 4 - 1 } };
  },
};
