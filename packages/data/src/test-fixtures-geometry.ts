/** Test helper: find the pixel bbox of a colour in an image (|channel − rgb| ≤ tol), as xyxy, or null. */
import type { Image } from "./types";

export function colourBox(img: Image, rgb: [number, number, number], tol = 40): number[] | null {
  let x1 = Infinity,
    y1 = Infinity,
    x2 = -Infinity,
    y2 = -Infinity;
  const k = img.data instanceof Uint8Array ? 1 : 255;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 3;
      if (
        Math.abs(img.data[o]! * k - rgb[0]) <= tol &&
        Math.abs(img.data[o + 1]! * k - rgb[1]) <= tol &&
        Math.abs(img.data[o + 2]! * k - rgb[2]) <= tol
      ) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return x1 === Infinity ? null : [x1, y1, x2, y2];
}

/** Max |a_i − b_i|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Infinity;
}

/** True when every box is inside [0, W] × [0, H] with x1 < x2, y1 < y2. */
export function boxesInside(boxes: Float32Array, W: number, H: number): boolean {
  for (let i = 0; i < boxes.length; i += 4) {
    const [x1, y1, x2, y2] = [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!];
    if (!(x1 >= 0 && y1 >= 0 && x2 <= W && y2 <= H && x1 < x2 && y1 < y2)) return false;
  }
  return true;
}

/** Index of the first element where two arrays differ (−1 when equal; a length difference counts). Fast for big typed arrays. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return a.length === b.length ? -1 : n;
}
