/**
 * FSD foreground/background masks, as the authors' `fg_bgLoss` builds them (QuanZhe2000/SFC
 * SFC.py): FGD's area-scaled box fill plus a Gaussian "halo" block per box, with every quirk of the
 * reference kept (see {@link fsdMasks}).
 */

/** FSD masks of one image, row-major `[H·W]`. */
export interface FsdMasks {
  fg: Float32Array | Float64Array;
  bg: Float32Array | Float64Array;
}

/** Options of {@link fsdMasks}. */
export interface FsdMaskOptions {
  /** The batch's multi-scale factors (the reference's `scale_x`, `scale_y`). Default 1, 1. */
  scaleX?: number;
  scaleY?: number;
  /**
   * Arithmetic of the Gaussian values: `float32` (default; the reference's training run — values
   * below float32's range underflow to 0 and leave the cell in the background) or `float64`.
   */
  precision?: "float32" | "float64";
}

/** `linspace(u, v, n)` as the reference uses it: n points from u to v inclusive; one point → u. */
function grid(u: number, v: number): number[] {
  const n = v - u;
  if (n <= 0) return [];
  if (n === 1) return [u];
  return Array.from({ length: n }, (_, k) => u + (k * (v - u)) / (n - 1));
}

/**
 * FSD masks of one image on an `H×W` map. Boxes are `xyxy` in input pixels (flat `n*4`); the image's
 * `img_shape` is `[imgH, imgW]`. Per box, in order (all Gaussian blocks first, then all fills):
 * 1. grid coordinates `x' = x/imgW·W/s_x`, `y' = y/imgH·H/s_y`; `c0 = ⌊x1'⌋`, `c1 = ⌈x2'⌉`,
 *    `r0 = ⌊y1'⌋`, `r1 = ⌈y2'⌉`; centres `x̄ = (x1'+x2')/2`, `ȳ = (y1'+y2')/2`;
 * 2. `a = 1/((r1+1−r0)(c1+1−c0))` with the UNCLIPPED r1, c1; then `r1 ← min(r1, H)`, `c1 ← min(c1, W)`;
 * 3. Gaussian block rows `[max(0, r0−d_r), min(r1+d_r, H))`, columns `[max(0, c0−d_c), min(c1+d_c, W))`
 *    (ends exclusive), `d_r = ⌊(r1−r0)/2⌋`, `d_c = ⌊(c1−c0)/2⌋`; the n cells of a range `[u, v)` get
 *    the coordinates `linspace(u, v, n)`; value `a·exp(−½[(ρ−x̄)²/(x̄+1e-8)² + (γ−ȳ)²/(ȳ+1e-8)²])` at
 *    row coordinate ρ and column coordinate γ; `fg ← max(fg, G)`;
 * 4. after all blocks: rows r0…r1, columns c0…c1 INCLUSIVE (clipped to the map) take `max(fg, a)`;
 * 5. `bg = 1[fg = 0] / Σ 1[fg = 0]` (all zero when every cell is foreground).
 *
 * Quirks reproduced: the Gaussian's axes are swapped (the ROW coordinate is compared with the
 * horizontal centre x̄), its widths are the centre coordinates themselves, the linspace grid is
 * stretched (spacing n/(n−1)), the halo is one-sided (d above/left, d−1 below/right), `a` counts a
 * phantom row/column when ⌈·⌉ reaches H or W, the fill covers at least 2×2 cells, overlaps keep the
 * maximum, and boxes are scaled by `img_shape`, not by the padded batch.
 * Deviations (the reference raises or indexes from the end): negative coordinates are clamped to 0,
 * and a box whose `a` is not finite and positive (x2 < x1 − 1 cell) marks nothing.
 */
export function fsdMasks(
  boxes: ArrayLike<number>,
  h: number,
  w: number,
  imgShape: readonly [number, number],
  opts: FsdMaskOptions = {},
): FsdMasks {
  const f32 = (opts.precision ?? "float32") === "float32";
  const round = f32 ? Math.fround : (v: number) => v;
  const fg = f32 ? new Float32Array(h * w) : new Float64Array(h * w);
  const [imgH, imgW] = imgShape;
  const sx = opts.scaleX ?? 1;
  const sy = opts.scaleY ?? 1;
  const fills: Array<[number, number, number, number, number]> = [];
  for (let j = 0; j + 3 < boxes.length; j += 4) {
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((k) => Math.max(0, boxes[j + k] as number)) as [
      number,
      number,
      number,
      number,
    ];
    const gx1 = ((x1 / imgW) * w) / sx;
    const gx2 = ((x2 / imgW) * w) / sx;
    const gy1 = ((y1 / imgH) * h) / sy;
    const gy2 = ((y2 / imgH) * h) / sy;
    const c0 = Math.floor(gx1);
    const r0 = Math.floor(gy1);
    let c1 = Math.ceil(gx2);
    let r1 = Math.ceil(gy2);
    const a = round(1 / (r1 + 1 - r0) / (c1 + 1 - c0));
    if (!Number.isFinite(a) || a <= 0) continue;
    r1 = Math.min(r1, h);
    c1 = Math.min(c1, w);
    const xc = (gx1 + gx2) / 2;
    const yc = (gy1 + gy2) / 2;
    const dr = Math.floor((r1 - r0) / 2);
    const dc = Math.floor((c1 - c0) / 2);
    const rowStart = Math.max(0, r0 - dr);
    const colStart = Math.max(0, c0 - dc);
    const rows = grid(rowStart, Math.min(r1 + dr, h));
    const cols = grid(colStart, Math.min(c1 + dc, w));
    const sxc = (xc + 1e-8) ** 2;
    const syc = (yc + 1e-8) ** 2;
    rows.forEach((rho, i) => {
      cols.forEach((gam, k) => {
        const e = round(Math.exp(-0.5 * ((rho - xc) ** 2 / sxc + (gam - yc) ** 2 / syc)));
        const g = round(a * e);
        const idx = (rowStart + i) * w + colStart + k;
        if (g > fg[idx]!) fg[idx] = g;
      });
    });
    fills.push([r0, Math.min(r1, h - 1), c0, Math.min(c1, w - 1), a]);
  }
  for (const [ra, rb, ca, cb, a] of fills)
    for (let y = ra; y <= rb; y++) for (let x = ca; x <= cb; x++) if (a > fg[y * w + x]!) fg[y * w + x] = a;
  const bg = f32 ? new Float32Array(h * w) : new Float64Array(h * w);
  let count = 0;
  for (let k = 0; k < h * w; k++) if (!(fg[k]! > 0)) (bg[k] = 1), count++;
  if (count > 0) for (let k = 0; k < h * w; k++) bg[k] = round(bg[k]! / count);
  return { fg, bg };
}
