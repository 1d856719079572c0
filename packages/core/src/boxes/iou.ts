import * as tf from "@tensorflow/tfjs-core";
import { op, stopGradient } from "../op";

/** Which overlap measure: plain IoU, or the generalised / distance / complete variants. */
export type IouKind = "iou" | "giou" | "diou" | "ciou";

/**
 * Aligned overlap of two xyxy box tensors with the same (or broadcastable) leading shape,
 * last axis 4 → one value per pair (last axis dropped). Formulas as in ultralytics `bbox_iou`
 * (eps = 1e-7 added to heights, union and enclosing terms):
 * - IoU = |A∩B| / (|A|+|B|−|A∩B|)
 * - GIoU = IoU − (|C| − |A∪B|)/|C|, C the smallest enclosing box (Rezatofighi et al., CVPR 2019)
 * - DIoU = IoU − ρ²(centres)/c², c the diagonal of C (Zheng et al., AAAI 2020)
 * - CIoU = DIoU − α·v, v = 4/π²·(atan(w₂/h₂) − atan(w₁/h₁))², α = v/(v − IoU + 1 + eps), α without gradient.
 * Values are in [-1, 1] (GIoU/DIoU/CIoU) or [0, 1] (IoU). Reduction: none.
 */
export const boxIouAligned = op(
  "boxIouAligned",
  (a: tf.Tensor, b: tf.Tensor, kind: IouKind = "iou", eps = 1e-7): tf.Tensor => {
    const [ax1, ay1, ax2, ay2] = tf.unstack(a, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [bx1, by1, bx2, by2] = tf.unstack(b, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const w1 = tf.sub(ax2, ax1);
    const h1 = tf.add(tf.sub(ay2, ay1), eps);
    const w2 = tf.sub(bx2, bx1);
    const h2 = tf.add(tf.sub(by2, by1), eps);
    const iw = tf.relu(tf.sub(tf.minimum(ax2, bx2), tf.maximum(ax1, bx1)));
    const ih = tf.relu(tf.sub(tf.minimum(ay2, by2), tf.maximum(ay1, by1)));
    const inter = tf.mul(iw, ih);
    const union = tf.add(tf.sub(tf.add(tf.mul(w1, h1), tf.mul(w2, h2)), inter), eps);
    const iou = tf.div(inter, union);
    if (kind === "iou") return iou;
    const cw = tf.sub(tf.maximum(ax2, bx2), tf.minimum(ax1, bx1));
    const ch = tf.sub(tf.maximum(ay2, by2), tf.minimum(ay1, by1));
    if (kind === "giou") {
      const cArea = tf.add(tf.mul(cw, ch), eps);
      return tf.sub(iou, tf.div(tf.sub(cArea, union), cArea));
    }
    const c2 = tf.add(tf.add(tf.square(cw), tf.square(ch)), eps);
    const dx = tf.sub(tf.add(bx1, bx2), tf.add(ax1, ax2));
    const dy = tf.sub(tf.add(by1, by2), tf.add(ay1, ay2));
    const rho2 = tf.div(tf.add(tf.square(dx), tf.square(dy)), 4);
    const diou = tf.sub(iou, tf.div(rho2, c2));
    if (kind === "diou") return diou;
    const v = tf.mul(
      4 / (Math.PI * Math.PI),
      tf.square(tf.sub(tf.atan(tf.div(w2, h2)), tf.atan(tf.div(w1, h1)))),
    );
    const alpha = stopGradient(tf.div(v, tf.add(tf.sub(v, iou), 1 + eps)));
    return tf.sub(diou, tf.mul(v, alpha));
  },
);

/** Pairwise overlap of xyxy boxes a [N,4] and b [M,4] → [N,M] (see {@link boxIouAligned}). */
export const boxIouPairwise = op(
  "boxIouPairwise",
  (a: tf.Tensor2D, b: tf.Tensor2D, kind: IouKind = "iou", eps = 1e-7): tf.Tensor2D =>
    boxIouAligned(tf.expandDims(a, 1), tf.expandDims(b, 0), kind, eps) as tf.Tensor2D,
);
