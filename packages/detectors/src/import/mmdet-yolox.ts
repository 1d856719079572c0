import { MMDET_YOLOX_INPUT } from "./input-normalization";
import { mmdetIgnoreReason } from "./mmdet-names";
import { bnLeaf } from "./ultralytics-yolov8";
import type { WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/**
 * One mmcv conv block → kdet: `ConvModule` `conv.weight` / `bn.*` → `conv.weight` / `bn.*` (BN renamed),
 * `DepthwiseSeparableConvModule` `depthwise_conv.*` / `pointwise_conv.*` → `dw.*` / `pw.*`.
 */
function convLeaf(rest: string): string | undefined {
  const m = /^(?:(depthwise_conv|pointwise_conv)\.)?(conv|bn)\.(weight|bias|running_mean|running_var)$/.exec(
    rest,
  );
  if (!m || (m[2] === "conv" && m[3] !== "weight")) return undefined;
  const ds = m[1] === undefined ? "" : m[1] === "depthwise_conv" ? "dw." : "pw.";
  return `${ds}${m[2]}.${m[2] === "bn" ? bnLeaf(m[3] as string) : m[3]}`;
}

/** An mmdet `CSPLayer` → kdet `CspLayer`: main/short/final conv → conv1/conv2/conv3, `blocks.<j>` → `m.<j>`. */
function cspLeaf(rest: string): string | undefined {
  const m = /^(main_conv|short_conv|final_conv|blocks\.\d+\.conv[12])\.(.+)$/.exec(rest);
  const leaf = m && convLeaf(m[2] as string);
  if (!m || !leaf) return undefined;
  const part = m[1] as string;
  const head =
    { main_conv: "conv1", short_conv: "conv2", final_conv: "conv3" }[part] ?? part.replace(/^blocks\./, "m.");
  return `${head}.${leaf}`;
}

const NECK: Readonly<Record<string, string>> = {
  "reduce_layers.0": "lateral",
  "reduce_layers.1": "reduce",
  "downsamples.0": "down3",
  "downsamples.1": "down4",
};
const NECK_CSP: Readonly<Record<string, string>> = {
  "top_down_blocks.0": "td4",
  "top_down_blocks.1": "p3",
  "bottom_up_blocks.0": "p4",
  "bottom_up_blocks.1": "p5",
};
const HEAD_OUT: Readonly<Record<string, string>> = { cls: "cls", reg: "box", obj: "obj" };

/** The kdet name of an mmdetection YOLOX tensor (see {@link mmdetYolox}). */
export function mmdetYoloxName(name: string): string | undefined {
  let m = /^backbone\.stem\.conv\.(.+)$/.exec(name);
  if (m) return withLeaf("backbone.stem.conv.", convLeaf(m[1] as string));
  m = /^backbone\.stage([1-4])\.(\d)\.(.+)$/.exec(name);
  if (m) {
    const stage = `backbone.c${Number(m[1]) + 1}.`;
    const [idx, rest] = [Number(m[2]), m[3] as string];
    const spp = m[1] === "4" && idx === 1;
    if (idx === 0) return withLeaf(`${stage}down.`, convLeaf(rest));
    if (spp) {
      const s = /^conv([12])\.(.+)$/.exec(rest);
      return s ? withLeaf(`${stage}spp.cv${s[1]}.`, convLeaf(s[2] as string)) : undefined;
    }
    return idx === (m[1] === "4" ? 2 : 1) ? withLeaf(`${stage}csp.`, cspLeaf(rest)) : undefined;
  }
  m = /^neck\.((?:reduce_layers|downsamples|top_down_blocks|bottom_up_blocks)\.\d)\.(.+)$/.exec(name);
  if (m) {
    const plain = NECK[m[1] as string];
    if (plain) return withLeaf(`neck.${plain}.`, convLeaf(m[2] as string));
    const csp = NECK_CSP[m[1] as string];
    return csp ? withLeaf(`neck.${csp}.`, cspLeaf(m[2] as string)) : undefined;
  }
  m = /^neck\.out_convs\.([0-2])\.(.+)$/.exec(name);
  if (m) return withLeaf(`head.stem.p${Number(m[1]) + 3}.`, convLeaf(m[2] as string));
  m = /^bbox_head\.multi_level_(cls|reg)_convs\.([0-2])\.([01])\.(.+)$/.exec(name);
  if (m) return withLeaf(`head.${m[1]}_convs.p${Number(m[2]) + 3}.${m[3]}.`, convLeaf(m[4] as string));
  m = /^bbox_head\.multi_level_conv_(cls|reg|obj)\.([0-2])\.(weight|bias)$/.exec(name);
  return m ? `head.${HEAD_OUT[m[1] as string]}.p${Number(m[2]) + 3}.${m[3]}` : undefined;
}

function withLeaf(prefix: string, leaf: string | undefined): string | undefined {
  return leaf && prefix + leaf;
}

/**
 * mmdetection YOLOX checkpoints (`yolox_*_8xb8-300e_coco`: `{meta, state_dict}`) → kdet `yolox-n|s`
 * (Megvii's YOLOX layout): backbone `stem.conv` (Focus) → `backbone.stem.conv`, `stage<s>.0` / `.1` (SPP in
 * stage 4) / CSP → `backbone.c<s+1>.down` / `.spp` / `.csp` (CSP `main_conv`/`short_conv`/`final_conv`/
 * `blocks.<j>` → `conv1`/`conv2`/`conv3`/`m.<j>`); neck `reduce_layers.0|1` → `lateral`/`reduce`,
 * `top_down_blocks.0|1` → `td4`/`p3`, `downsamples.0|1` → `down3`/`down4`, `bottom_up_blocks.0|1` → `p4`/`p5`,
 * `out_convs.<i>` (Megvii's head stems) → `head.stem.p<i+3>`; head `multi_level_cls_convs.<i>` /
 * `reg_convs` / `conv_cls` / `conv_reg` / `conv_obj` → `head.cls_convs.p<i+3>` / `reg_convs` / `cls` / `box`
 * / `obj`. mmdet YOLOX feeds BGR 0–255 ({@link MMDET_YOLOX_INPUT}), folded into the Focus conv.
 */
export const mmdetYolox: WeightMapping = {
  id: "mmdet-yolox",
  format: "mmdet",
  models: ["yolox-n", "yolox-s"],
  // stem width 64·widen: 16 = nano (depthwise), 32 = s
  guessModel: (tensors) => {
    const w = tensors.get("backbone.stem.conv.conv.weight")?.shape[0];
    const dw = tensors.has("backbone.stage1.0.depthwise_conv.conv.weight");
    return w === 16 && dw ? "yolox-n" : w === 32 && !dw ? "yolox-s" : undefined;
  },
  kdetName: mmdetYoloxName,
  ignoreReason: mmdetIgnoreReason,
  // mmdet `test_cfg` of the YOLOX configs
  postprocess: { scoreThreshold: 0.001, iouThreshold: 0.65, maxDetections: 100 },
  classDependent: (k) => k.startsWith("head.cls."),
  inputNormalization: MMDET_YOLOX_INPUT,
  inputStem: "backbone.stem.conv",
  config(tensors, file) {
    const cls = tensors.get("bbox_head.multi_level_conv_cls.0.weight");
    if (!cls || !tensors.has("bbox_head.multi_level_conv_obj.0.weight"))
      throw new CheckpointFormatError(
        file,
        "not an mmdetection YOLOX checkpoint: no bbox_head.multi_level_conv_cls / multi_level_conv_obj tensors",
      );
    return { numClasses: cls.shape[0] as number };
  },
};
