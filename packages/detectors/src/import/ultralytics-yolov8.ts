import type { WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/** ultralytics `yolov8.yaml` layer index → kdet module path (layers 10, 11, 13, 14, 17, 20: upsample/concat). */
export const YOLOV8_LAYERS: Readonly<Record<number, string>> = {
  0: "backbone.stem",
  1: "backbone.c2.down",
  2: "backbone.c2.c2f",
  3: "backbone.c3.down",
  4: "backbone.c3.c2f",
  5: "backbone.c4.down",
  6: "backbone.c4.c2f",
  7: "backbone.c5.down",
  8: "backbone.c5.c2f",
  9: "backbone.c5.sppf",
  12: "neck.td4",
  15: "neck.p3",
  16: "neck.down3",
  18: "neck.p4",
  19: "neck.down4",
  21: "neck.p5",
};
/** Index of the `Detect` layer in `yolov8.yaml`. */
export const YOLOV8_DETECT = 22;

/** PyTorch BatchNorm parameter names → kdet's (`weight` → `gamma`, `bias` → `beta`). */
export function bnLeaf(leaf: string): string {
  return leaf === "weight" ? "gamma" : leaf === "bias" ? "beta" : leaf;
}

/** `cv1.conv.weight`, `m.0.cv2.bn.bias` (inside Conv / C2f / SPPF) → kdet (`m.0.` → `m0.`, BN renames). */
function blockLeaf(rest: string): string | undefined {
  const m = /^((?:m\.\d+\.)?(?:cv\d\.)?)(conv|bn)\.(weight|bias|running_mean|running_var)$/.exec(rest);
  if (!m) return undefined;
  const prefix = (m[1] as string).replace(/^m\.(\d+)\./, "m$1.");
  return `${prefix}${m[2]}.${m[2] === "bn" ? bnLeaf(m[3] as string) : m[3]}`;
}

/**
 * ultralytics YOLOv8 detection checkpoints (`yolov8n.pt` … from `DetectionModel`, `yolov8.yaml`) → kdet
 * `yolov8-*`: `model.<i>.<block>` per {@link YOLOV8_LAYERS}; head `model.22.cv2.<l>.<j>` (box branch)
 * and `model.22.cv3.<l>.<j>` (class branch) → `head.box.p<l+3>.<j>` / `head.cls.p<l+3>.<j>`;
 * `model.22.dfl.conv.weight` (the fixed 0…R−1 integral) and BN `num_batches_tracked` are ignored.
 */
export const ultralyticsYolov8: WeightMapping = {
  id: "ultralytics-yolov8",
  format: "ultralytics",
  models: ["yolov8-n", "yolov8-s", "yolov8-m"],
  // stem width 64·width: 16 = n, 32 = s, 48 = m
  guessModel: (tensors) =>
    (({ 16: "yolov8-n", 32: "yolov8-s", 48: "yolov8-m" }) as const)[
      tensors.get("model.0.conv.weight")?.shape[0] as 16 | 32 | 48
    ],
  kdetName(name) {
    const head = /^model\.22\.cv([23])\.(\d+)\.([012])\.(.+)$/.exec(name);
    if (head) {
      const [, branch, level, j, rest] = head as unknown as [string, string, string, string, string];
      const base = `head.${branch === "2" ? "box" : "cls"}.p${Number(level) + 3}.${j}`;
      if (j === "2") return /^(weight|bias)$/.test(rest) ? `${base}.${rest}` : undefined;
      const leaf = blockLeaf(rest);
      return leaf && `${base}.${leaf}`;
    }
    const m = /^model\.(\d+)\.(.+)$/.exec(name);
    const path = m && YOLOV8_LAYERS[Number(m[1])];
    const leaf = m && blockLeaf(m[2] as string);
    return path && leaf ? `${path}.${leaf}` : undefined;
  },
  ignoreReason(name, t, file) {
    if (name.endsWith(".num_batches_tracked")) return "BatchNorm step counter (not used at inference)";
    if (name === `model.${YOLOV8_DETECT}.dfl.conv.weight`) {
      const v = t.toFloat32();
      if (!v.every((x, i) => x === i))
        throw new CheckpointFormatError(file, `${name} is not the fixed 0…R−1 DFL integral kdet computes`);
      return "DFL integral 0…R−1 (fixed; kdet computes it)";
    }
    return undefined;
  },
  // ultralytics predict defaults (conf 0.25, iou 0.7, max_det 300)
  postprocess: { scoreThreshold: 0.25, iouThreshold: 0.7, maxDetections: 300 },
  classDependent: (k) => k.startsWith("head.cls."),
  config(tensors, file) {
    const cls = tensors.get("model.22.cv3.0.2.weight");
    const box = tensors.get("model.22.cv2.0.2.weight");
    if (!cls || !box)
      throw new CheckpointFormatError(
        file,
        "not an ultralytics YOLOv8 detection checkpoint: no model.22.cv2.0.2 / model.22.cv3.0.2 (Detect head) tensors",
      );
    return { numClasses: cls.shape[0] as number, fields: { regMax: (box.shape[0] as number) / 4 } };
  },
};
