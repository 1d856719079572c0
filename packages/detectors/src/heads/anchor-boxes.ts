/** Anchor-box settings (defaults: mmdet RetinaNet `AnchorGenerator`). */
export interface AnchorBoxOptions {
  /** Base anchor side in strides (mmdet `octave_base_scale`, default 4). */
  octaveBaseScale?: number;
  /** Scales per octave: 2^(k/n), k < n (default 3). */
  scalesPerOctave?: number;
  /** Height/width ratios (default 0.5, 1, 2). */
  ratios?: readonly number[];
  /** Anchor centre offset in cells (mmdet `center_offset`, default 0: cell corners). */
  centerOffset?: number;
}

/** Anchor boxes of all levels: `[K·4]` xyxy input pixels (K = Σ h·w·A) and K per level. */
export interface AnchorBoxes {
  boxes: Float32Array;
  counts: number[];
}

/** Anchors per feature-map location: ratios × scales. */
export function anchorsPerLocation(opts: AnchorBoxOptions = {}): number {
  return (opts.ratios?.length ?? 3) * (opts.scalesPerOctave ?? 3);
}

/**
 * The A = |ratios|·n anchors of one location at `stride`, centred at (0, 0) + offset·stride, as
 * mmdet `AnchorGenerator.gen_single_level_base_anchors` (scale_major): for ratio r (outer) and
 * scale σ_k = octaveBaseScale·2^(k/n) (inner), w = stride·σ_k/√r, h = stride·σ_k·√r, box
 * (c − w/2, c − h/2, c + w/2, c + h/2). Returns `[A·4]`.
 */
export function baseAnchors(stride: number, opts: AnchorBoxOptions = {}): Float32Array {
  const { octaveBaseScale = 4, scalesPerOctave = 3, ratios = [0.5, 1, 2], centerOffset = 0 } = opts;
  const c = centerOffset * stride;
  const out = new Float32Array(ratios.length * scalesPerOctave * 4);
  let k = 0;
  for (const r of ratios) {
    const hr = Math.sqrt(r);
    for (let s = 0; s < scalesPerOctave; s++) {
      const scale = octaveBaseScale * 2 ** (s / scalesPerOctave);
      const w = (stride / hr) * scale,
        h = stride * hr * scale;
      out.set([c - w / 2, c - h / 2, c + w / 2, c + h / 2], 4 * k++);
    }
  }
  return out;
}

/**
 * Anchor boxes of feature maps of sizes `shapes[i] = [h, w]` at `strides[i]` (mmdet `grid_priors`):
 * base anchors shifted by (x·s, y·s); order level, then location row-major (y, then x), then the A
 * anchors — the order of reshaping an NHWC map `[N,h,w,A·C]` to `[N,h·w·A,C]`.
 */
export function makeAnchorBoxes(
  shapes: ReadonlyArray<readonly [number, number]>,
  strides: readonly number[],
  opts: AnchorBoxOptions = {},
): AnchorBoxes {
  const A = anchorsPerLocation(opts);
  const counts = shapes.map(([h, w]) => h * w * A);
  const boxes = new Float32Array(counts.reduce((a, b) => a + b, 0) * 4);
  let k = 0;
  shapes.forEach(([h, w], l) => {
    const s = strides[l] as number;
    const base = baseAnchors(s, opts);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let a = 0; a < A; a++) {
          for (let i = 0; i < 4; i++)
            boxes[4 * k + i] = (base[4 * a + i] as number) + (i % 2 === 0 ? x : y) * s;
          k++;
        }
      }
    }
  });
  return { boxes, counts };
}
