/**
 * Spatial alignment of a teacher feature map to the student's grid, for cross-architecture distillation
 * (teacher and student of different input sizes or strides, e.g. CenterNet stride 4 at 512 px → YOLOv8-n P3
 * stride 8 at 320 px). Both maps are assumed to cover the same image area (the teacher ran on the student's
 * input, resized), so cell (i, j) of an `h × w` map has its centre at `((i + ½)·H/h, (j + ½)·W/w)` in image units.
 *
 * Rule (`alignSpatial`), per map NHWC `[N,H,W,C]` → `[N,h,w,C]`:
 * - same size: unchanged (a copy);
 * - downsampling by integer factors (`H = fh·h`, `W = fw·w`): **average pooling** with window = stride =
 *   `[fh, fw]` — each student cell is the mean of the teacher cells it covers (exact area average, no aliasing);
 * - otherwise (upsampling or non-integer factors): **bilinear** with half-pixel centres
 *   (`x_src = (x_dst + ½)·H/h − ½`, clamped at the borders; TensorFlow `resize_bilinear(half_pixel_centers=True)`,
 *   PyTorch `interpolate(mode="bilinear", align_corners=False)`), which maps cell centres onto cell centres.
 * The teacher is a constant in every loss, so no gradient flows through the resize.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Which operation {@link alignSpatial} uses for a `[H,W]` → `[h,w]` resize. */
export type AlignMethod = "identity" | "avg-pool" | "bilinear";

/** The method of the alignment rule (see the module comment) for a `from` → `to` spatial resize. */
export function alignMethod(from: readonly [number, number], to: readonly [number, number]): AlignMethod {
  const [H, W] = from;
  const [h, w] = to;
  if (H === h && W === w) return "identity";
  if (H >= h && W >= w && H % h === 0 && W % w === 0) return "avg-pool";
  return "bilinear";
}

/** Resizes an NHWC map `[N,H,W,C]` to `[N,h,w,C]` by the alignment rule (integer downsampling: average pooling; else bilinear, half-pixel centres). */
export function alignSpatial(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = x.shape;
    const [h, w] = size;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0))
      throw new Error(`alignSpatial: target size must be positive integers, got [${size.join(",")}]`);
    switch (alignMethod([H, W], size)) {
      case "identity":
        return x.clone();
      case "avg-pool": {
        const f: [number, number] = [H / h, W / w];
        return tf.avgPool(x, f, f, "valid");
      }
      case "bilinear":
        return tf.image.resizeBilinear(x, [h, w], false, true);
    }
  });
}
