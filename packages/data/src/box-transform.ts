/**
 * Axis-aligned box transforms (scale + translate, with flips as negative scales) on packed xyxy boxes.
 * A `BoxTransform` maps original image coordinates to the current image: x' = sx·x + tx, y' = sy·y + ty.
 */
import type { BoxTransform } from "./types";

/** The identity transform for an image of the given size. */
export function identityTransform(width: number, height: number): BoxTransform {
  return { sx: 1, sy: 1, tx: 0, ty: 0, origWidth: width, origHeight: height };
}

/** `then ∘ first`: apply `first` (orig → a), then the map (a → b) given by `then`'s coefficients. */
export function composeTransform(
  first: BoxTransform,
  then: Pick<BoxTransform, "sx" | "sy" | "tx" | "ty">,
): BoxTransform {
  return {
    sx: then.sx * first.sx,
    sy: then.sy * first.sy,
    tx: then.sx * first.tx + then.tx,
    ty: then.sy * first.ty + then.ty,
    origWidth: first.origWidth,
    origHeight: first.origHeight,
  };
}

/**
 * Apply x' = sx·x + tx, y' = sy·y + ty to packed xyxy boxes (computed in float64, stored float32); a negative scale
 * swaps the two corners so that x1 ≤ x2 and y1 ≤ y2 still hold.
 */
export function mapBoxes(
  boxes: Float32Array,
  t: Pick<BoxTransform, "sx" | "sy" | "tx" | "ty">,
): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const a = t.sx * boxes[i]! + t.tx;
    const b = t.sx * boxes[i + 2]! + t.tx;
    const c = t.sy * boxes[i + 1]! + t.ty;
    const d = t.sy * boxes[i + 3]! + t.ty;
    out[i] = Math.min(a, b);
    out[i + 2] = Math.max(a, b);
    out[i + 1] = Math.min(c, d);
    out[i + 3] = Math.max(c, d);
  }
  return out;
}

/** The inverse map (current → original) of a transform. */
export function invertTransform(t: BoxTransform): Pick<BoxTransform, "sx" | "sy" | "tx" | "ty"> {
  return { sx: 1 / t.sx, sy: 1 / t.sy, tx: -t.tx / t.sx, ty: -t.ty / t.sy };
}

/**
 * Map boxes predicted on a transformed image (e.g. a letterboxed batch image) back to original image pixels,
 * optionally clipped to `[0, origWidth] × [0, origHeight]`.
 */
export function unmapBoxes(boxes: Float32Array, t: BoxTransform, clip = true): Float32Array {
  const out = mapBoxes(boxes, invertTransform(t));
  if (clip) {
    for (let i = 0; i < out.length; i += 4) {
      out[i] = Math.min(Math.max(out[i]!, 0), t.origWidth);
      out[i + 2] = Math.min(Math.max(out[i + 2]!, 0), t.origWidth);
      out[i + 1] = Math.min(Math.max(out[i + 1]!, 0), t.origHeight);
      out[i + 3] = Math.min(Math.max(out[i + 3]!, 0), t.origHeight);
    }
  }
  return out;
}
