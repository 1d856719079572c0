import * as tf from "@tensorflow/tfjs-core";
import { op } from "@kdet/core";

/** Normalisation of the (dx, dy, dw, dh) deltas: d' = (d − means)/stds. RetinaNet (mmdet): means 0, stds 1. */
export interface DeltaCoderOptions {
  means?: readonly [number, number, number, number];
  stds?: readonly [number, number, number, number];
  /** Largest |dw|, |dh| at decode = |log(whRatioClip)| (mmdet `wh_ratio_clip`, default 16/1000). */
  whRatioClip?: number;
}

const ZERO = [0, 0, 0, 0] as const;
const ONE = [1, 1, 1, 1] as const;

/**
 * Encodes box `g` of `gts` relative to box `a` of `anchors` (flat xyxy arrays, box i at `[4i, 4i+4)`)
 * as mmdet `DeltaXYWHBBoxCoder.encode` (R-CNN parameterisation, Girshick et al. 2014): with centres
 * (px, py), (gx, gy) and sizes pw = x2 − x1 (no +1), dx = (gx − px)/pw, dy = (gy − py)/ph,
 * dw = log(gw/pw), dh = log(gh/ph); writes ((d − means)/stds) into `out` at `o`.
 */
export function deltaEncode(
  anchors: ArrayLike<number>,
  a: number,
  gts: ArrayLike<number>,
  g: number,
  out: Float32Array,
  o: number,
  opts: DeltaCoderOptions = {},
): void {
  const { means = ZERO, stds = ONE } = opts;
  const ax1 = anchors[4 * a] as number,
    ay1 = anchors[4 * a + 1] as number,
    ax2 = anchors[4 * a + 2] as number,
    ay2 = anchors[4 * a + 3] as number;
  const gx1 = gts[4 * g] as number,
    gy1 = gts[4 * g + 1] as number,
    gx2 = gts[4 * g + 2] as number,
    gy2 = gts[4 * g + 3] as number;
  const pw = ax2 - ax1,
    ph = ay2 - ay1,
    gw = gx2 - gx1,
    gh = gy2 - gy1;
  const d = [
    ((gx1 + gx2) / 2 - (ax1 + ax2) / 2) / pw,
    ((gy1 + gy2) / 2 - (ay1 + ay2) / 2) / ph,
    Math.log(gw / pw),
    Math.log(gh / ph),
  ];
  for (let k = 0; k < 4; k++) out[o + k] = ((d[k] as number) - (means[k] as number)) / (stds[k] as number);
}

/**
 * Decodes deltas `[..., 4]` against xyxy anchors `[..., 4]` (broadcasting leading axes) as mmdet
 * `delta2bbox`: d = d'·stds + means, dw/dh clamped to ±|log(whRatioClip)|, centre = p + pwh·dxy,
 * size = pwh·exp(dwh) → xyxy `[..., 4]` (no clipping to the image). Differentiable.
 */
export const deltaDecode = op(
  "deltaDecode",
  (anchors: tf.Tensor, deltas: tf.Tensor, opts: DeltaCoderOptions = {}): tf.Tensor => {
    const { means = ZERO, stds = ONE, whRatioClip = 16 / 1000 } = opts;
    const d = tf.add(tf.mul(deltas, tf.tensor1d([...stds])), tf.tensor1d([...means]));
    const [dxy, dwhRaw] = tf.split(d, 2, -1) as [tf.Tensor, tf.Tensor];
    const maxRatio = Math.abs(Math.log(whRatioClip));
    const dwh = tf.clipByValue(dwhRaw, -maxRatio, maxRatio);
    const [p1, p2] = tf.split(anchors, 2, -1) as [tf.Tensor, tf.Tensor];
    const pwh = tf.sub(p2, p1);
    const centre = tf.add(tf.mul(tf.add(p1, p2), 0.5), tf.mul(pwh, dxy));
    const half = tf.mul(tf.mul(pwh, tf.exp(dwh)), 0.5);
    return tf.concat([tf.sub(centre, half), tf.add(centre, half)], -1);
  },
);
