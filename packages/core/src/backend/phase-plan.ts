import * as tf from "@tensorflow/tfjs-core";
import type { ConvGeometry } from "./conv-geometry";
import { window2d, windowForConv, type ExplicitPads } from "./window";

/**
 * Sub-pixel (phase) decomposition of a transposed convolution along one spatial axis
 * (see README.md in this folder). Input positions `h` (padded position `hp = h + pad`) split into phases
 * `p = hp mod s` with quotient `q = ⌊hp / s⌋`; phase p only meets the taps `k ≡ p (mod s)`:
 * `dx[q·s + p] = Σ_{a<J} dyw[q - first + a] · W[p + (J-1-a)·s]` with `J = ⌈(k - p) / s⌉` and
 * `dyw = window(dy, first - (J-1), count + J - 1)`, i.e. a stride-1 'valid' correlation with a
 * flipped sub-filter. The FLOPs equal the forward conv's.
 */
export interface AxisPhases {
  /** First quotient q needed (`⌊pad / s⌋`). */
  first: number;
  /** Number of quotients per phase (`⌊(pad + size - 1) / s⌋ - first + 1`). */
  count: number;
  /** Offset of input row 0 in the interleaved phase output (`pad - first·s`). */
  crop: number;
  /** `taps[p]` = kernel indices of phase p, in sub-filter order a = 0..J-1 (empty: phase is zero). */
  taps: number[][];
}

/** The phase plan of one axis: input `size`, `stride`, kernel size `kernel`, leading `pad`. */
export function axisPhases(size: number, stride: number, kernel: number, pad: number): AxisPhases {
  const first = Math.floor(pad / stride);
  const count = Math.floor((pad + size - 1) / stride) - first + 1;
  const taps: number[][] = [];
  for (let p = 0; p < stride; p++) {
    const j = Math.max(0, Math.ceil((kernel - p) / stride));
    taps.push(Array.from({ length: j }, (_, a) => p + (j - 1 - a) * stride));
  }
  return { first, count, crop: pad - first * stride, taps };
}

/**
 * Computes a conv's input gradient phase by phase and interleaves the phases (NHWC).
 * `subConv(dy, pad, rowTaps, colTaps)` must return the stride-1 correlation with explicit padding
 * `pad` (the zero-extension of the dy window, done inside the conv) of `dy` with the flipped
 * sub-filter `W[rowTaps[a], colTaps[b], ...]`, shape [N, count_h, count_w, C].
 * Interleaving uses two concats on axis 2 (`[N·Qh, Qw, 1, C]` over px, then `[N, Qh, 1, Qw·sw·C]`
 * over py) and reshapes, which is much faster on wasm than depthToSpace or rank-6 transposes.
 */
export function phaseTransposedConv(
  dy: tf.Tensor4D,
  g: ConvGeometry,
  channels: number,
  subConv: (dy: tf.Tensor4D, pad: ExplicitPads, rowTaps: number[], colTaps: number[]) => tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = axisPhases(g.inHeight, g.strideHeight, g.filterHeight, g.padTop);
    const cols = axisPhases(g.inWidth, g.strideWidth, g.filterWidth, g.padLeft);
    const n = g.batch;
    const phase = (py: number, px: number): tf.Tensor4D => {
      const rt = rows.taps[py] ?? [];
      const ct = cols.taps[px] ?? [];
      if (rt.length === 0 || ct.length === 0) return tf.zeros([n, rows.count, cols.count, channels]);
      const w = windowForConv(
        dy,
        rows.first - (rt.length - 1),
        rows.count + rt.length - 1,
        cols.first - (ct.length - 1),
        cols.count + ct.length - 1,
      );
      return subConv(w.x, w.pad, rt, ct);
    };
    let full: tf.Tensor4D;
    if (g.strideHeight === 1 && g.strideWidth === 1) {
      full = phase(0, 0);
    } else {
      const rowBands: tf.Tensor4D[] = [];
      for (let py = 0; py < g.strideHeight; py++) {
        const parts: tf.Tensor4D[] = [];
        for (let px = 0; px < g.strideWidth; px++)
          parts.push(tf.reshape(phase(py, px), [n * rows.count, cols.count, 1, channels]));
        const band = parts.length === 1 ? parts[0]! : tf.concat(parts, 2);
        rowBands.push(tf.reshape(band, [n, rows.count, 1, cols.count * g.strideWidth * channels]));
      }
      const stacked = rowBands.length === 1 ? rowBands[0]! : tf.concat(rowBands, 2);
      full = tf.reshape(stacked, [n, rows.count * g.strideHeight, cols.count * g.strideWidth, channels]);
    }
    return window2d(full, rows.crop, g.inHeight, cols.crop, g.inWidth);
  });
}
