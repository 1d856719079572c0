/**
 * Drawing detections on images for `kdet predict` and the report: nearest-neighbour upscaling (so
 * small images stay crisp), box outlines in a per-class colour, a score bar on top of each box.
 * Images are HWC RGB uint8; boxes xyxy in the image's own pixels.
 */
import type { Image } from "@kdet/data";

/** Class colours (RGB), cycled by class index. */
export const CLASS_COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [255, 250, 200],
  [128, 0, 0],
  [170, 255, 195],
];

/** CSS colour of class `k`. */
export function classColour(k: number): string {
  const [r, g, b] =
    CLASS_COLOURS[((k % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length]!;
  return `rgb(${r},${g},${b})`;
}

/** An RGB uint8 copy of `img` scaled by an integer `factor` (nearest neighbour); float images are ×255. */
export function upscale(img: Image, factor: number): { data: Uint8Array; width: number; height: number } {
  const f = Math.max(1, Math.floor(factor));
  const W = img.width * f;
  const H = img.height * f;
  const out = new Uint8Array(W * H * 3);
  const isFloat = img.data instanceof Float32Array;
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < W; x++) {
      const si = (sy * img.width + Math.floor(x / f)) * 3;
      const di = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = img.data[si + c]!;
        out[di + c] = isFloat ? Math.max(0, Math.min(255, Math.round(v * 255))) : v;
      }
    }
  }
  return { data: out, width: W, height: H };
}

/** Boxes to draw: xyxy `[n·4]`, class indices, optional scores (0..1, drawn as a bar). */
export interface BoxesToDraw {
  boxes: ArrayLike<number>;
  classes: ArrayLike<number>;
  scores?: ArrayLike<number>;
}

/** Draws box outlines (`thickness` px) into an RGB uint8 buffer; boxes are in source pixels, multiplied by `scale`. */
export function drawBoxes(
  target: { data: Uint8Array; width: number; height: number },
  d: BoxesToDraw,
  scale = 1,
  thickness = 2,
): void {
  const { data, width: W, height: H } = target;
  const put = (x: number, y: number, col: readonly number[]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = (y * W + x) * 3;
    data[i] = col[0]!;
    data[i + 1] = col[1]!;
    data[i + 2] = col[2]!;
  };
  const n = d.classes.length;
  for (let j = n - 1; j >= 0; j--) {
    const col =
      CLASS_COLOURS[((d.classes[j]! % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length]!;
    const x1 = Math.round(d.boxes[4 * j]! * scale),
      y1 = Math.round(d.boxes[4 * j + 1]! * scale);
    const x2 = Math.round(d.boxes[4 * j + 2]! * scale) - 1,
      y2 = Math.round(d.boxes[4 * j + 3]! * scale) - 1;
    for (let t = 0; t < thickness; t++) {
      for (let x = x1; x <= x2; x++) put(x, y1 + t, col), put(x, y2 - t, col);
      for (let y = y1; y <= y2; y++) put(x1 + t, y, col), put(x2 - t, y, col);
    }
    if (d.scores) {
      const len = Math.round((x2 - x1 + 1) * Math.max(0, Math.min(1, d.scores[j]!)));
      for (let t = 0; t < thickness + 1; t++) for (let x = x1; x < x1 + len; x++) put(x, y1 - 1 - t, col);
    }
  }
}
