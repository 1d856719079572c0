import { MMDET_IMAGENET_NORM } from "./input-normalization";
import { guessResnet, mmdetIgnoreReason, mmdetName } from "./mmdet-names";
import type { WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/**
 * mmdetection RetinaNet checkpoints (`retinanet_r50_fpn_*`: `{meta, state_dict}`) → kdet `retina-*`:
 * backbone and neck per {@link mmdetName}, head `bbox_head.cls_convs.<i>` /
 * `reg_convs.<i>` → `head.cls_tower.<i>` / `head.reg_tower.<i>`, `retina_cls` / `retina_reg` →
 * `head.cls_out` / `head.reg_out` (channels anchor-major in both). BN `num_batches_tracked` is ignored.
 * mmdet normalises inputs with ImageNet mean/std ({@link MMDET_IMAGENET_NORM}).
 */
export const mmdetRetina: WeightMapping = {
  id: "mmdet-retina",
  format: "mmdet",
  models: ["retina-r18", "retina-r50"],
  guessModel: (tensors) => guessResnet(tensors, { 18: "retina-r18", 50: "retina-r50" } as const),
  kdetName: (name) =>
    mmdetName(name, (rest) => {
      const out = /^retina_(cls|reg)\.(weight|bias)$/.exec(rest);
      return out ? `${out[1]}_out.${out[2]}` : undefined;
    }),
  ignoreReason: mmdetIgnoreReason,
  // mmdet `test_cfg` of retinanet_r50_fpn
  postprocess: { scoreThreshold: 0.05, iouThreshold: 0.5, maxDetections: 100 },
  classDependent: (k) => k.startsWith("head.cls_out."),
  inputNormalization: MMDET_IMAGENET_NORM,
  config(tensors, file) {
    const cls = tensors.get("bbox_head.retina_cls.weight");
    const reg = tensors.get("bbox_head.retina_reg.weight");
    if (!cls || !reg)
      throw new CheckpointFormatError(
        file,
        "not an mmdetection RetinaNet checkpoint: no bbox_head.retina_cls / bbox_head.retina_reg tensors",
      );
    const anchors = (reg.shape[0] as number) / 4;
    return { numClasses: (cls.shape[0] as number) / anchors };
  },
};
