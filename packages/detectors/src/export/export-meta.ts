/**
 * `kdet.json` of a graph-model export: everything a browser or Node user needs besides `model.json`
 * — class names, the input tensor and how to make it from an image, the output names and layouts,
 * how the dense outputs were decoded, and the post-processing defaults (NMS is left to the caller).
 */
import { z } from "zod";

/** File name of the metadata beside an export's `model.json`. */
export const EXPORT_META_FILE = "kdet.json";

const shape = z.array(z.number().int().min(-1));

/** One graph output. */
export const ExportOutputSchema = z
  .object({
    /** Node name to pass to `GraphModel.execute(x, names)`. */
    name: z.string().min(1),
    /** Static shape, −1 = batch. */
    shape,
    /** What it holds. */
    description: z.string(),
  })
  .strict();

/** A raw per-level head output. */
export const ExportRawOutputSchema = ExportOutputSchema.extend({
  kind: z.enum(["cls", "box", "quality"]),
  level: z.string(),
  stride: z.number().int().positive(),
}).strict();

const score = z.enum(["sigmoid(cls)", "sigmoid(cls)*sigmoid(quality)"]);
const quad = z.tuple([z.number(), z.number(), z.number(), z.number()]);

/**
 * How the dense `boxes`/`scores` were computed from the raw outputs (anchor offset: anchor point =
 * (x + offset, y + offset)·stride; 0.5 = cell centres, 0 = corners):
 * - `dfl` (YOLOv8, GFL): d = Σ softmax(box logits of a side)_i · i over `bins`, box = (p − d_lt·s, p + d_rb·s);
 * - `ltrb` (FCOS): box = (p − (l, t)·s, p + (r, b)·s), score = σ(cls)·σ(centre-ness);
 * - `delta-xywh` (RetinaNet): mmdet `delta2bbox` against `anchorsPerLocation` anchor boxes per location;
 * - `yolox` (YOLOX): centre = p + t_xy·s, size = exp(t_wh)·s, score = σ(cls)·σ(objectness);
 * - `yolov5` (YOLOv5): per cell and anchor (w, h) of `anchors[level]` (pixels), centre = (2σ(t_xy) − 0.5 + cell)·s,
 *   size = (2σ(t_wh))²·(w, h), score = σ(cls)·σ(objectness);
 * - `two-stage` (Faster R-CNN): the raw maps are the RPN's (objectness logits, anchor deltas); `boxes`/`scores` are the
 *   R-CNN stage's, per (proposal, class) row, score = softmax(R-CNN logits) of that class (the graph has NMS: run it
 *   with `executeAsync`).
 */
export const DecodeInfoSchema = z.discriminatedUnion("type", [
  z
    .object({ type: z.literal("dfl"), bins: z.number().int().min(2), anchorOffset: z.number(), score })
    .strict(),
  z.object({ type: z.literal("ltrb"), anchorOffset: z.number(), score }).strict(),
  z
    .object({
      type: z.literal("delta-xywh"),
      anchorsPerLocation: z.number().int().positive(),
      anchors: z
        .object({
          octaveBaseScale: z.number(),
          scalesPerOctave: z.number().int(),
          ratios: z.array(z.number()),
          centerOffset: z.number(),
        })
        .strict(),
      means: quad,
      stds: quad,
      whRatioClip: z.number(),
      score,
    })
    .strict(),
  z.object({ type: z.literal("yolox"), anchorOffset: z.number(), score }).strict(),
  z.object({ type: z.literal("two-stage"), score: z.literal("softmax(rcnn cls)") }).strict(),
  z
    .object({
      type: z.literal("yolov5"),
      anchors: z.array(z.array(z.tuple([z.number().positive(), z.number().positive()])).min(1)).min(1),
      score,
    })
    .strict(),
]);
/** Parsed decoding description. */
export type DecodeInfo = z.output<typeof DecodeInfoSchema>;

/** The schema of an export's kdet.json. */
export const ExportMetaSchema = z
  .object({
    format: z.literal("kdet-graph-model"),
    version: z.literal(1),
    /** Registry id and config of the exported detector (provenance). */
    model: z
      .object({ id: z.string(), config: z.record(z.string(), z.unknown()) })
      .strict()
      .optional(),
    classNames: z.array(z.string()).min(1),
    /** Dataset category id of each class (COCO results files), when known. */
    categoryIds: z.array(z.number().int()).optional(),
    input: z
      .object({
        name: z.string().min(1),
        /** `[−1, H, W, 3]`: any batch size, fixed input size (`[1, H, W, 3]`: one image per run, two-stage). */
        shape: z.tuple([
          z.union([z.literal(-1), z.literal(1)]),
          z.number().int().positive(),
          z.number().int().positive(),
          z.literal(3),
        ]),
        dtype: z.literal("float32"),
        layout: z.literal("NHWC"),
        channels: z.literal("RGB"),
        /** Pixel value = 8-bit value / 255. */
        scale: z.literal("0..1"),
        /** `letterbox`: resize keeping the aspect ratio, pad with `fill` (centred); `stretch`: resize to H×W. */
        resize: z.enum(["letterbox", "stretch"]),
        /** Padding value of the letterbox in 0..255 units. */
        fill: z.number().min(0).max(255),
      })
      .strict(),
    outputs: z
      .object({
        boxes: ExportOutputSchema,
        scores: ExportOutputSchema,
        /** Two-stage: the RPN proposals `[P, 4]` (xyxy input pixels) the dense rows belong to, C rows each. */
        proposals: ExportOutputSchema.optional(),
        raw: z.array(ExportRawOutputSchema),
      })
      .strict(),
    decode: DecodeInfoSchema,
    postprocess: z
      .object({
        scoreThreshold: z.number().min(0).max(1),
        iouThreshold: z.number().min(0).max(1),
        maxDetections: z.number().int().positive(),
        classAgnostic: z.boolean(),
      })
      .strict(),
  })
  .strict();

/** Parsed kdet.json of a graph-model export. */
export type ExportMeta = z.output<typeof ExportMetaSchema>;
