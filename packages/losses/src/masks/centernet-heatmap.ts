/**
 * CenterNet Gaussian heatmap targets (open-mmlab/mmdetection mmdet/models/utils/gaussian_target.py
 * `gaussian_radius`, `gaussian2D`, `gen_gaussian_target`; CenterNetHead.get_targets). Usable as a
 * Gaussian foreground mask for distillation (one class = class-agnostic).
 */

/**
 * mmdetection's `gaussian_radius` for a box of `height×width` grid cells and minimum overlap
 * `o`: `min(r1, r2, r3)` with r1 = (b1 − √(b1² − 4c1))/2, b1 = h+w, c1 = wh(1−o)/(1+o);
 * r2 = (b2 − √(b2² − 16c2))/8, b2 = 2(h+w), c2 = (1−o)wh; r3 = (b3 + √(b3² − 16o·c3))/(8o),
 * b3 = −2o(h+w), c3 = (o−1)wh. Float (not truncated).
 */
export function gaussianRadius(height: number, width: number, minOverlap = 0.3): number {
  const o = minOverlap;
  const b1 = height + width;
  const c1 = (width * height * (1 - o)) / (1 + o);
  const r1 = (b1 - Math.sqrt(b1 * b1 - 4 * c1)) / 2;
  const b2 = 2 * (height + width);
  const c2 = (1 - o) * width * height;
  const r2 = (b2 - Math.sqrt(b2 * b2 - 16 * c2)) / 8;
  const b3 = -2 * o * (height + width);
  const c3 = (o - 1) * width * height;
  const r3 = (b3 + Math.sqrt(b3 * b3 - 16 * o * c3)) / (8 * o);
  return Math.min(r1, r2, r3);
}

/**
 * `(2r+1)²` row-major kernel `exp(−(x² + y²)/(2σ²))`, x, y ∈ [−r, r], σ = (2r+1)/6; entries
 * below `eps·max` are zeroed (eps = float32 machine epsilon, the dtype of the reference's boxes).
 */
export function gaussian2D(radius: number, eps = 1.1920928955078125e-7): Float64Array {
  const d = 2 * radius + 1;
  const sigma = d / 6;
  const g = new Float64Array(d * d);
  let max = 0;
  for (let y = -radius; y <= radius; y++) {
    for (let x = -radius; x <= radius; x++) {
      const v = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
      g[(y + radius) * d + (x + radius)] = v;
      max = Math.max(max, v);
    }
  }
  for (let k = 0; k < g.length; k++) if (g[k]! < eps * max) g[k] = 0;
  return g;
}

/** Pastes `gaussian2D(radius)` centred at integer (cx, cy) into a row-major `h×w` map with max, clipped at the borders. */
export function pasteGaussian(
  map: Float64Array,
  h: number,
  w: number,
  cx: number,
  cy: number,
  radius: number,
): void {
  const g = gaussian2D(radius);
  const d = 2 * radius + 1;
  for (let dy = -radius; dy <= radius; dy++) {
    const y = cy + dy;
    if (y < 0 || y >= h) continue;
    for (let dx = -radius; dx <= radius; dx++) {
      const x = cx + dx;
      if (x < 0 || x >= w) continue;
      const v = g[(dy + radius) * d + (dx + radius)]!;
      if (v > map[y * w + x]!) map[y * w + x] = v;
    }
  }
}

/** Heatmap of one image plus the per-box integer radius and centre (for inspection). */
export interface CenterHeatmap {
  /** Row-major `[numClasses, H, W]` (class-major, as mmdet's NCHW target). */
  heatmap: Float64Array;
  radii: Int32Array;
  /** `[cx, cy]` per box, flat. */
  centers: Int32Array;
}

/**
 * CenterNet heatmap of one image on a `featH×featW` map for an input of `imgH×imgW` pixels.
 * With `ratio = feat/img` per axis: centre = (trunc((x1+x2)·rw/2), trunc((y1+y2)·rh/2)),
 * `radius = max(0, trunc(gaussianRadius((y2−y1)·rh, (x2−x1)·rw, minOverlap)))`; the kernel is
 * pasted with element-wise max into channel `labels[j]` (class 0 when `labels` is omitted),
 * clipped at the borders (a centre off the map pastes only its visible part).
 * Boxes `xyxy` in input pixels.
 */
export function centernetHeatmap(
  boxes: ArrayLike<number>,
  labels: ArrayLike<number> | undefined,
  numClasses: number,
  featSize: readonly [number, number],
  imgSize: readonly [number, number],
  minOverlap = 0.3,
): CenterHeatmap {
  const [fh, fw] = featSize;
  const rh = fh / imgSize[0];
  const rw = fw / imgSize[1];
  const n = Math.floor(boxes.length / 4);
  const heatmap = new Float64Array(numClasses * fh * fw);
  const radii = new Int32Array(n);
  const centers = new Int32Array(2 * n);
  for (let j = 0; j < n; j++) {
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((k) => boxes[4 * j + k] as number) as [
      number,
      number,
      number,
      number,
    ];
    const cx = Math.trunc(((x1 + x2) * rw) / 2);
    const cy = Math.trunc(((y1 + y2) * rh) / 2);
    const r = Math.max(0, Math.trunc(gaussianRadius((y2 - y1) * rh, (x2 - x1) * rw, minOverlap)) || 0);
    radii[j] = r;
    centers[2 * j] = cx;
    centers[2 * j + 1] = cy;
    const c = labels ? (labels[j] as number) : 0;
    if (c < 0 || c >= numClasses) throw new Error(`centernetHeatmap: label ${c} outside [0, ${numClasses})`);
    pasteGaussian(heatmap.subarray(c * fh * fw, (c + 1) * fh * fw), fh, fw, cx, cy, r);
  }
  return { heatmap, radii, centers };
}
