/**
 * Drawing detections on images for `kdet predict` and the report: nearest-neighbour upscaling (so
 * small images stay crisp), box outlines in a per-class colour, a label (class name and score, 5×7 pixel
 * font) on each box or a score bar, and a legend strip of the classes.
 * Images are HWC RGB uint8; boxes xyxy in the image's own pixels.
 */
import type { Image } from "@kdet/data";
import { drawText, fillRect, GLYPH_H, GLYPH_W, type RgbCanvas, textWidth } from "./bitmap-font";

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
  const [r, g, b] = colourOf(k);
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

/** Boxes to draw: xyxy `[n·4]`, class indices, optional scores (0..1, drawn as a bar and in the label). */
export interface BoxesToDraw {
  boxes: ArrayLike<number>;
  classes: ArrayLike<number>;
  scores?: ArrayLike<number>;
}

/** Labels on the boxes: the class names (by class index) and the integer scale of the 5×7 font. */
export interface BoxLabels {
  names: readonly string[];
  textScale: number;
}

/** The RGB colour of class `k`. */
export function colourOf(k: number): readonly [number, number, number] {
  return CLASS_COLOURS[((k % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length]!;
}

/** Black or white, whichever reads better on `col` (relative luminance above 0.5 → black). */
export function textColourOn(col: readonly number[]): readonly [number, number, number] {
  return 0.2126 * col[0]! + 0.7152 * col[1]! + 0.0722 * col[2]! > 128 ? [0, 0, 0] : [255, 255, 255];
}

/**
 * Draws box outlines (`thickness` px) into an RGB uint8 buffer; boxes are in source pixels, multiplied by
 * `scale`. With `labels`, each box gets its class name (and score) on a tab of its colour above its top-left
 * corner (inside the box when there is no room above).
 */
export function drawBoxes(
  target: RgbCanvas,
  d: BoxesToDraw,
  scale = 1,
  thickness = 2,
  labels?: BoxLabels,
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
    const col = colourOf(d.classes[j]!);
    const x1 = Math.round(d.boxes[4 * j]! * scale),
      y1 = Math.round(d.boxes[4 * j + 1]! * scale);
    const x2 = Math.round(d.boxes[4 * j + 2]! * scale) - 1,
      y2 = Math.round(d.boxes[4 * j + 3]! * scale) - 1;
    for (let t = 0; t < thickness; t++) {
      for (let x = x1; x <= x2; x++) put(x, y1 + t, col), put(x, y2 - t, col);
      for (let y = y1; y <= y2; y++) put(x1 + t, y, col), put(x2 - t, y, col);
    }
    if (labels) {
      const name = labels.names[d.classes[j]!] ?? `class ${d.classes[j]}`;
      const text = d.scores ? `${name} ${d.scores[j]!.toFixed(2)}` : name;
      const s = labels.textScale;
      const tabH = (GLYPH_H + 2) * s;
      const top = y1 - tabH >= 0 ? y1 - tabH : y1;
      fillRect(target, x1, top, textWidth(text, s) + 2 * s, tabH, col);
      drawText(target, x1 + s, top + s, text, s, textColourOn(col));
    } else if (d.scores) {
      const len = Math.round((x2 - x1 + 1) * Math.max(0, Math.min(1, d.scores[j]!)));
      for (let t = 0; t < thickness + 1; t++) for (let x = x1; x < x1 + len; x++) put(x, y1 - 1 - t, col);
    }
  }
}

/**
 * `canvas` with a legend strip below it: a swatch of each class colour and its name (wrapping to the width),
 * then an optional note line; `textScale` is the font's integer scale.
 */
export function withLegend(
  canvas: RgbCanvas,
  entries: ReadonlyArray<{ name: string; classIndex: number }>,
  textScale: number,
  note?: string,
): RgbCanvas {
  const s = textScale;
  const lineH = (GLYPH_H + 4) * s;
  const items = entries.map((e) => ({ ...e, w: (GLYPH_H + 3) * s + textWidth(e.name, s) + 3 * GLYPH_W * s }));
  const rows: (typeof items)[] = [];
  for (const it of items) {
    const row = rows[rows.length - 1];
    const used = row?.reduce((a, b) => a + b.w, 2 * s) ?? Number.POSITIVE_INFINITY;
    if (row && used + it.w <= canvas.width) row.push(it);
    else rows.push([it]);
  }
  const lines = rows.length + (note ? 1 : 0);
  const out: RgbCanvas = {
    width: canvas.width,
    height: canvas.height + lines * lineH + 2 * s,
    data: new Uint8Array(canvas.width * (canvas.height + lines * lineH + 2 * s) * 3).fill(255),
  };
  out.data.set(canvas.data);
  rows.forEach((row, r) => {
    let x = 2 * s;
    const y = canvas.height + 2 * s + r * lineH;
    for (const it of row) {
      fillRect(out, x, y, GLYPH_H * s, GLYPH_H * s, colourOf(it.classIndex));
      drawText(out, x + (GLYPH_H + 3) * s, y, it.name, s, [0, 0, 0]);
      x += it.w;
    }
  });
  if (note) drawText(out, 2 * s, canvas.height + 2 * s + rows.length * lineH, note, s, [0, 0, 0]);
  return out;
}
