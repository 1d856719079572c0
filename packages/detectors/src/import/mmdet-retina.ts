import { MMDET_IMAGENET_NORM } from "./input-normalization";
import { bnLeaf } from "./ultralytics-yolov8";
import type { WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/**
 * mmdetection ResNet backbone names → kdet `ResNet` (`backbone.*`): `conv1`/`bn1` → `stem.conv`/`stem.bn`,
 * `layer<L>.<b>.conv<k>` / `bn<k>` → `c<L+1>.<b>.conv<k>.conv` / `.bn`, `downsample.0` / `.1` →
 * `downsample.conv` / `.bn`. Returns the kdet name without the `backbone.` prefix, or undefined.
 */
export function mmdetResnetName(rest: string): string | undefined {
  if (rest === "conv1.weight") return "stem.conv.weight";
  const stem = /^bn1\.(weight|bias|running_mean|running_var)$/.exec(rest);
  if (stem) return `stem.bn.${bnLeaf(stem[1] as string)}`;
  const b =
    /^layer([1-4])\.(\d+)\.(?:(conv|bn)([123])|downsample\.([01]))\.(weight|bias|running_mean|running_var)$/.exec(
      rest,
    );
  if (!b) return undefined;
  const [, layer, block, kind, k, ds, leaf] = b as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
    string | undefined,
    string,
  ];
  const base = `c${Number(layer) + 1}.${block}`;
  if (ds !== undefined)
    return ds === "0"
      ? leaf === "weight"
        ? `${base}.downsample.conv.weight`
        : undefined
      : `${base}.downsample.bn.${bnLeaf(leaf)}`;
  return kind === "conv"
    ? leaf === "weight"
      ? `${base}.conv${k}.conv.weight`
      : undefined
    : `${base}.conv${k}.bn.${bnLeaf(leaf)}`;
}

/** mmdetection FPN names (`neck.lateral_convs.<i>.conv.*`, `neck.fpn_convs.<i>.conv.*`, start_level 1) → kdet `Fpn`. */
export function mmdetFpnName(rest: string): string | undefined {
  const m = /^(lateral_convs|fpn_convs)\.(\d+)\.conv\.(weight|bias)$/.exec(rest);
  return m ? `${m[1] === "lateral_convs" ? "lat" : "p"}${Number(m[2]) + 3}.${m[3]}` : undefined;
}

/**
 * mmdetection RetinaNet checkpoints (`retinanet_r50_fpn_*`: `{meta, state_dict}`) → kdet `retina-*`:
 * backbone per {@link mmdetResnetName}, neck per {@link mmdetFpnName}, head `bbox_head.cls_convs.<i>` /
 * `reg_convs.<i>` → `head.cls_tower.<i>` / `head.reg_tower.<i>`, `retina_cls` / `retina_reg` →
 * `head.cls_out` / `head.reg_out` (channels anchor-major in both). BN `num_batches_tracked` is ignored.
 * mmdet normalises inputs with ImageNet mean/std ({@link MMDET_IMAGENET_NORM}).
 */
export const mmdetRetina: WeightMapping = {
  id: "mmdet-retina",
  format: "mmdet",
  family: "retina",
  kdetName(name) {
    const [scope, ...parts] = name.split(".");
    const rest = parts.join(".");
    if (scope === "backbone") {
      const k = mmdetResnetName(rest);
      return k && `backbone.${k}`;
    }
    if (scope === "neck") {
      const k = mmdetFpnName(rest);
      return k && `neck.${k}`;
    }
    if (scope !== "bbox_head") return undefined;
    const tower = /^(cls|reg)_convs\.(\d+)\.conv\.(weight|bias)$/.exec(rest);
    if (tower) return `head.${tower[1]}_tower.${tower[2]}.conv.${tower[3]}`;
    const out = /^retina_(cls|reg)\.(weight|bias)$/.exec(rest);
    return out ? `head.${out[1]}_out.${out[2]}` : undefined;
  },
  ignoreReason: (name) =>
    name.endsWith(".num_batches_tracked") ? "BatchNorm step counter (not used at inference)" : undefined,
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
