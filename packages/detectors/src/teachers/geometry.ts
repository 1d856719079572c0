/**
 * Resizing images to a teacher's fixed input and mapping boxes back. `stretch` resizes the whole image to the
 * input size (aspect not kept — the preprocessing the teachers' published AP was measured with); `letterbox`
 * keeps the aspect ratio, centres the image and pads with a constant (RGB 0..255 value, default 114).
 * The map is per axis: input = original · s + t.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TeacherImage } from "./pretrained-teacher";

/** How an image is fitted to the teacher's input. */
export type ResizeMode = "stretch" | "letterbox";

/** Original → input affine map per axis (`x_in = x·sx + tx`), plus the original size for clipping. */
export interface InputGeometry {
  sx: number;
  sy: number;
  tx: number;
  ty: number;
  width: number;
  height: number;
}

/** The map for an image of `width`×`height` fitted to `[inH, inW]` by `mode`. */
export function inputGeometry(
  width: number,
  height: number,
  [inH, inW]: readonly [number, number],
  mode: ResizeMode,
): InputGeometry {
  if (mode === "stretch") return { sx: inW / width, sy: inH / height, tx: 0, ty: 0, width, height };
  const s = Math.min(inW / width, inH / height);
  const nw = Math.max(1, Math.round(width * s));
  const nh = Math.max(1, Math.round(height * s));
  return {
    sx: nw / width,
    sy: nh / height,
    tx: Math.floor((inW - nw) / 2),
    ty: Math.floor((inH - nh) / 2),
    width,
    height,
  };
}

/**
 * One image as a float32 `[1, inH, inW, 3]` RGB 0..255 NHWC tensor, fitted by `mode` (bilinear, tfjs defaults:
 * no align-corners, no half-pixel centres). `image` is a decoded HWC image or a `[H,W,3]` tensor (not disposed).
 */
export function fitImage(
  image: TeacherImage | tf.Tensor3D,
  size: readonly [number, number],
  mode: ResizeMode,
  fill = 114,
): { input: tf.Tensor4D; geometry: InputGeometry } {
  const [h, w] = image instanceof tf.Tensor ? [image.shape[0], image.shape[1]] : [image.height, image.width];
  const geometry = inputGeometry(w, h, size, mode);
  const input = tf.tidy(() => {
    const x = (
      image instanceof tf.Tensor ? image.toFloat() : tf.tensor3d(Float32Array.from(image.data), [h, w, 3])
    ).expandDims(0) as tf.Tensor4D;
    if (mode === "stretch") return tf.image.resizeBilinear(x, [size[0], size[1]]);
    const nh = Math.round(h * geometry.sy);
    const nw = Math.round(w * geometry.sx);
    const r = tf.image.resizeBilinear(x, [nh, nw]);
    return tf.pad(
      r,
      [
        [0, 0],
        [geometry.ty, size[0] - nh - geometry.ty],
        [geometry.tx, size[1] - nw - geometry.tx],
        [0, 0],
      ],
      fill,
    );
  });
  return { input, geometry };
}

/** Maps xyxy input-frame boxes (in place) back to original pixels and clips them to the image. */
export function unmapBoxes(boxes: Float32Array, g: InputGeometry): Float32Array {
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = Math.min(Math.max((boxes[i]! - g.tx) / g.sx, 0), g.width);
    boxes[i + 1] = Math.min(Math.max((boxes[i + 1]! - g.ty) / g.sy, 0), g.height);
    boxes[i + 2] = Math.min(Math.max((boxes[i + 2]! - g.tx) / g.sx, 0), g.width);
    boxes[i + 3] = Math.min(Math.max((boxes[i + 3]! - g.ty) / g.sy, 0), g.height);
  }
  return boxes;
}

/** Splits a teacher input into per-image `[H,W,3]` tensors or images (tensors are slices the caller disposes). */
export function splitInput(images: readonly TeacherImage[] | tf.Tensor4D): (TeacherImage | tf.Tensor3D)[] {
  if (!(images instanceof tf.Tensor)) return [...images];
  if (images.rank !== 4 || images.shape[3] !== 3)
    throw new Error(`teacher input must be [N,H,W,3] RGB, got [${images.shape.join(",")}]`);
  return tf.unstack(images) as tf.Tensor3D[];
}
