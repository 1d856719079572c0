import * as tf from "@tensorflow/tfjs-core";
import { op } from "../op";

/**
 * Box format conversions on tensors whose last axis holds 4 numbers.
 * - `xyxy`: corners (x1, y1, x2, y2) — kdet's internal format everywhere.
 * - `xywh`: COCO (x_left, y_top, width, height) — only at file edges.
 * - `cxcywh`: centre and size (YOLO labels, box regression targets).
 */
export type BoxFormat = "xyxy" | "xywh" | "cxcywh";

function split4(b: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor] {
  const last = b.shape[b.rank - 1];
  if (last !== 4)
    throw new Error(`boxes must have 4 numbers on the last axis, got shape [${b.shape.join(",")}]`);
  return tf.split(b, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
}

/** Converts boxes between `xyxy`, `xywh` and `cxcywh` (last axis 4, any leading shape). */
export const convertBoxes = op(
  "convertBoxes",
  (boxes: tf.Tensor, from: BoxFormat, to: BoxFormat): tf.Tensor => {
    if (from === to) return tf.clone(boxes);
    const [p, q, r, s] = split4(boxes);
    let x1: tf.Tensor, y1: tf.Tensor, x2: tf.Tensor, y2: tf.Tensor;
    if (from === "xyxy") [x1, y1, x2, y2] = [p, q, r, s];
    else if (from === "xywh") [x1, y1, x2, y2] = [p, q, tf.add(p, r), tf.add(q, s)];
    else {
      const hw = tf.div(r, 2);
      const hh = tf.div(s, 2);
      [x1, y1, x2, y2] = [tf.sub(p, hw), tf.sub(q, hh), tf.add(p, hw), tf.add(q, hh)];
    }
    if (to === "xyxy") return tf.concat([x1, y1, x2, y2], -1);
    const w = tf.sub(x2, x1);
    const h = tf.sub(y2, y1);
    if (to === "xywh") return tf.concat([x1, y1, w, h], -1);
    return tf.concat([tf.div(tf.add(x1, x2), 2), tf.div(tf.add(y1, y2), 2), w, h], -1);
  },
);

/** xyxy → COCO xywh. */
export const xyxyToXywh = (b: tf.Tensor): tf.Tensor => convertBoxes(b, "xyxy", "xywh");
/** COCO xywh → xyxy. */
export const xywhToXyxy = (b: tf.Tensor): tf.Tensor => convertBoxes(b, "xywh", "xyxy");
/** xyxy → centre/size. */
export const xyxyToCxcywh = (b: tf.Tensor): tf.Tensor => convertBoxes(b, "xyxy", "cxcywh");
/** centre/size → xyxy. */
export const cxcywhToXyxy = (b: tf.Tensor): tf.Tensor => convertBoxes(b, "cxcywh", "xyxy");
