/**
 * Instance sampling and pooling of the `ckd` family: which feature cells an object covers on a
 * level, background cells, and differentiable pooling as a matrix product. Internal module.
 */
import * as tf from "@tensorflow/tfjs-core";
import { defeatLevel } from "../masks/level-assign";

/** How an object's feature vector is read: box average ("roi") or the centre cell ("center"). */
export type Pooling = "roi" | "center";

/** One GT object: its image, pyramid level and `xyxy` box in input pixels. */
export interface Instance {
  image: number;
  level: number;
  box: [number, number, number, number];
}

/** Geometry of one level: map size and the input pixels per cell along each axis. */
export interface LevelGrid {
  h: number;
  w: number;
  /** Input pixels per cell, `[imgH/h, imgW/w]`. */
  stride: [number, number];
}

/**
 * The GT objects of a batch in image-major, box order; a box goes to level
 * `defeatLevel` (mmdet's RoI rule `floor(log2(√(wh)/56))`, clamped) when there are several levels.
 */
export function collectInstances(boxes: ReadonlyArray<ArrayLike<number>>, levels: number): Instance[] {
  const out: Instance[] = [];
  boxes.forEach((b, image) => {
    for (let j = 0; j + 3 < b.length; j += 4) {
      const box = [b[j], b[j + 1], b[j + 2], b[j + 3]] as [number, number, number, number];
      out.push({ image, level: levels === 1 ? 0 : defeatLevel(...box, levels), box });
    }
  });
  return out;
}

/**
 * Inclusive cell rectangle `[y0, y1, x0, x1]` of a box on a level. `roi`: cells
 * `floor(x1/s) … ceil(x2/s) − 1` (the cells the box overlaps), clamped to the map, at least
 * the cell of the box centre; `center`: the centre cell `floor(((x1+x2)/2)/s)` only (clamped).
 */
export function cellRect(
  box: readonly number[],
  g: LevelGrid,
  pooling: Pooling,
): [number, number, number, number] {
  const [x1, y1, x2, y2] = box as [number, number, number, number];
  const [sy, sx] = g.stride;
  const clampY = (v: number) => Math.min(Math.max(v, 0), g.h - 1);
  const clampX = (v: number) => Math.min(Math.max(v, 0), g.w - 1);
  const cy = clampY(Math.floor((y1 + y2) / 2 / sy));
  const cx = clampX(Math.floor((x1 + x2) / 2 / sx));
  if (pooling === "center") return [cy, cy, cx, cx];
  let ya = clampY(Math.floor(y1 / sy));
  let yb = clampY(Math.ceil(y2 / sy) - 1);
  let xa = clampX(Math.floor(x1 / sx));
  let xb = clampX(Math.ceil(x2 / sx) - 1);
  if (yb < ya) [ya, yb] = [cy, cy];
  if (xb < xa) [xa, xb] = [cx, cx];
  return [ya, yb, xa, xb];
}

/**
 * Row-stochastic pooling matrix `[R, N·h·w]` over a level flattened in NHWC (n, y, x) order:
 * row r averages the cells `rects[r]` of image `images[r]`.
 */
export function poolingMatrix(
  rects: ReadonlyArray<readonly [number, number, number, number]>,
  images: readonly number[],
  n: number,
  g: LevelGrid,
): tf.Tensor2D {
  const hw = g.h * g.w;
  const m = new Float32Array(rects.length * n * hw);
  rects.forEach(([y0, y1, x0, x1], r) => {
    const a = 1 / ((y1 - y0 + 1) * (x1 - x0 + 1));
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) m[r * n * hw + images[r]! * hw + y * g.w + x] = a;
  });
  return tf.tensor2d(m, [rects.length, n * hw]);
}

/** `[R, N·h·w] · [N·h·w, C]`: pooled rows `[R, C]` of an NHWC level (differentiable). */
export function poolRows(f: tf.Tensor, matrix: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const c = f.shape[3]!;
    return tf.matMul(matrix, tf.reshape(f, [-1, c]));
  });
}

/**
 * Background cells of one image on a level (row-major `y·w + x`): cells whose centre
 * `((x+½)·s_x, (y+½)·s_y)` lies inside no GT box (xyxy, input pixels), ascending.
 */
export function backgroundCells(boxes: ArrayLike<number>, g: LevelGrid): number[] {
  const out: number[] = [];
  const [sy, sx] = g.stride;
  for (let y = 0; y < g.h; y++) {
    for (let x = 0; x < g.w; x++) {
      const px = (x + 0.5) * sx;
      const py = (y + 0.5) * sy;
      let inside = false;
      for (let j = 0; j + 3 < boxes.length && !inside; j += 4) {
        inside =
          px >= (boxes[j] as number) &&
          px <= (boxes[j + 2] as number) &&
          py >= (boxes[j + 1] as number) &&
          py <= (boxes[j + 3] as number);
      }
      if (!inside) out.push(y * g.w + x);
    }
  }
  return out;
}

/** `m` of `cells` without replacement (partial Fisher–Yates with `rand() ∈ [0,1)`); all when `m ≥ cells.length`. */
export function sampleCells(cells: number[], m: number, rand: () => number): number[] {
  if (m >= cells.length) return cells.slice();
  const a = cells.slice();
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, m).sort((x, y) => x - y);
}
