/**
 * A 5×7 pixel font (the HD44780 character-LCD shapes) for labels and legends drawn into PNGs: A–Z (lower case
 * drawn as upper case), 0–9, space and `. - _ : % / ( ) # + = < >`; anything else is drawn as `?`. Each glyph is
 * 7 rows of 5 bits (bit 4 = leftmost pixel). Text is scaled by an integer factor, so it stays crisp.
 */

const G: Record<string, readonly number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  "0": [14, 17, 19, 21, 25, 17, 14],
  "1": [4, 12, 4, 4, 4, 4, 14],
  "2": [14, 17, 1, 2, 4, 8, 31],
  "3": [31, 2, 4, 2, 1, 17, 14],
  "4": [2, 6, 10, 18, 31, 2, 2],
  "5": [31, 16, 30, 1, 1, 17, 14],
  "6": [6, 8, 16, 30, 17, 17, 14],
  "7": [31, 1, 2, 4, 8, 8, 8],
  "8": [14, 17, 17, 14, 17, 17, 14],
  "9": [14, 17, 17, 15, 1, 2, 12],
  " ": [0, 0, 0, 0, 0, 0, 0],
  ".": [0, 0, 0, 0, 0, 12, 12],
  "-": [0, 0, 0, 31, 0, 0, 0],
  _: [0, 0, 0, 0, 0, 0, 31],
  ":": [0, 12, 12, 0, 12, 12, 0],
  "%": [24, 25, 2, 4, 8, 19, 3],
  "/": [0, 1, 2, 4, 8, 16, 0],
  "(": [2, 4, 8, 8, 8, 4, 2],
  ")": [8, 4, 2, 2, 2, 4, 8],
  "#": [10, 10, 31, 10, 31, 10, 10],
  "+": [0, 4, 4, 31, 4, 4, 0],
  "=": [0, 0, 31, 0, 31, 0, 0],
  "<": [2, 4, 8, 16, 8, 4, 2],
  ">": [8, 4, 2, 1, 2, 4, 8],
  "?": [14, 17, 1, 2, 4, 0, 4],
};

/** Glyph cell: 5 pixels wide plus 1 of spacing, 7 tall. */
export const GLYPH_W = 6;
export const GLYPH_H = 7;

/** The 7 row bitmasks of `ch` (upper-cased; unknown characters give `?`). */
export function glyph(ch: string): readonly number[] {
  return G[ch.toUpperCase()] ?? G["?"]!;
}

/** Width in pixels of `text` at integer `scale` (without the trailing spacing column). */
export function textWidth(text: string, scale: number): number {
  return text.length ? (text.length * GLYPH_W - 1) * scale : 0;
}

/** An RGB uint8 image buffer (HWC). */
export interface RgbCanvas {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Fills the rectangle [x, x+w) × [y, y+h) with `col` (clipped to the canvas). */
export function fillRect(
  c: RgbCanvas,
  x: number,
  y: number,
  w: number,
  h: number,
  col: readonly number[],
): void {
  for (let yy = Math.max(0, y); yy < Math.min(c.height, y + h); yy++)
    for (let xx = Math.max(0, x); xx < Math.min(c.width, x + w); xx++) {
      const i = (yy * c.width + xx) * 3;
      c.data[i] = col[0]!;
      c.data[i + 1] = col[1]!;
      c.data[i + 2] = col[2]!;
    }
}

/** Draws `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` square (clipped). */
export function drawText(
  c: RgbCanvas,
  x: number,
  y: number,
  text: string,
  scale: number,
  col: readonly number[],
): void {
  [...text].forEach((ch, k) => {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_H; r++)
      for (let b = 0; b < 5; b++)
        if ((rows[r]! >> (4 - b)) & 1)
          fillRect(c, x + (k * GLYPH_W + b) * scale, y + r * scale, scale, scale, col);
  });
}
