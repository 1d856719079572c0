/**
 * Dense decoding written as graph ops, so an exported model returns what `Detector.predict` feeds to
 * NMS: `boxes` `[N,A,4]` xyxy in input pixels and `scores` `[N,A,C]` class probabilities, anchors
 * ordered level by level, row-major within a level, then anchor-major (as `flattenLevels` and the
 * anchor generators). Each decoder mirrors a head's `decode` op for op; anchor constants are computed
 * in float32 exactly as the eager code does.
 */
import { makeAnchorBoxes, type AnchorBoxOptions } from "../heads/anchor-boxes";
import { makeAnchorPoints } from "../heads/anchors";
import type { DeltaCoderOptions } from "../heads/delta-coder";
import type { GraphBuilder, Sym } from "./graph-def";
import { binary, clip, concat, floats, reduce, reshape, softmax, split, unary } from "./graph-ops";

/** Dense outputs of a decoder. */
export interface DenseSyms {
  boxes: Sym;
  scores: Sym;
}

const f32 = Math.fround;

/** Per-level NHWC maps `[N,h,w,A·C]` → `[N, Σ h·w·A, C]` (Reshape per level, ConcatV2 on axis 1); `channels` = C (default: the maps'). */
export function flattenGraph(g: GraphBuilder, scope: string, xs: readonly Sym[], channels?: number): Sym {
  const flat = xs.map((x, i) => {
    const [, h, w, c] = x.shape as [number, number, number, number];
    const C = channels ?? c;
    return reshape(g, `${scope}/l${i}`, x, [-1, (h * w * c) / C, C]);
  });
  return concat(g, scope, flat, 1);
}

/** Anchor points of per-level maps: `[A,2]` pixels, `[A]` strides (offset 0.5: cell centres, 0: corners). */
function points(
  maps: readonly Sym[],
  strides: readonly number[],
  offset: number,
): { points: Float32Array; strides: Float32Array } {
  return makeAnchorPoints(
    maps.map((m) => [m.shape[1] as number, m.shape[2] as number] as const),
    strides,
    offset,
  );
}

/** (a − b_lt, a + b_rb) concatenated on the last axis (`distToBox`: split, Sub, AddV2, ConcatV2). */
function distToBoxGraph(g: GraphBuilder, s: string, anchors: Sym, dist: Sym): Sym {
  const [lt, rb] = split(g, `${s}/dist`, dist, 2, -1) as [Sym, Sym];
  return concat(
    g,
    `${s}/xyxy`,
    [binary(g, `${s}/x1y1`, "Sub", anchors, lt), binary(g, `${s}/x2y2`, "AddV2", anchors, rb)],
    -1,
  );
}

/**
 * DFL decoding (Li et al., "Generalized Focal Loss", NeurIPS 2020; ultralytics `DFL` + `dist2bbox`), as
 * `denseGrid` + the YOLOv8/GFL heads' `decode`: d = Σ_i softmax(logits)_i · i over `bins` bins per side
 * (l, t, r, b, side-major), box = (g − d_lt, g + d_rb)·stride with g = anchor point / stride; scores = σ(cls).
 */
export function dflDenseGraph(
  g: GraphBuilder,
  cls: readonly Sym[],
  box: readonly Sym[],
  strides: readonly number[],
  bins: number,
  offset: number,
): DenseSyms {
  const anc = points(cls, strides, offset);
  const A = anc.strides.length;
  const grid = floats(
    g,
    "decode/grid",
    Float32Array.from(anc.points, (p, i) => f32(p / (anc.strides[i >> 1] as number))),
    [A, 2],
  );
  const logits = reshape(g, "decode/dist", flattenGraph(g, "decode/box", box), [-1, A, 4, bins]);
  const bin = floats(
    g,
    "decode/bins",
    Float32Array.from({ length: bins }, (_, i) => i),
    [bins],
  );
  const dist = reduce(
    g,
    "decode/integral",
    "Sum",
    binary(g, "decode/integral", "Mul", softmax(g, "decode/dist", logits), bin),
    [-1],
    false,
  );
  const boxes = binary(
    g,
    "decode/boxes",
    "Mul",
    distToBoxGraph(g, "decode", grid, dist),
    floats(g, "decode/stride", anc.strides, [A, 1]),
  );
  return { boxes, scores: unary(g, "decode/scores", "Sigmoid", flattenGraph(g, "decode/cls", cls)) };
}

/**
 * FCOS decoding (Tian et al., ICCV 2019; `FcosHead.decode`): box = (p − (l, t)·s, p + (r, b)·s) with p the
 * cell-centre location in pixels and (l, t, r, b) the box outputs in strides; score = σ(cls)·σ(centre-ness).
 */
export function ltrbDenseGraph(
  g: GraphBuilder,
  cls: readonly Sym[],
  box: readonly Sym[],
  quality: readonly Sym[],
  strides: readonly number[],
): DenseSyms {
  const anc = points(cls, strides, 0.5);
  const P = anc.strides.length;
  const dist = binary(
    g,
    "decode/dist",
    "Mul",
    flattenGraph(g, "decode/box", box),
    floats(g, "decode/stride", anc.strides, [P, 1]),
  );
  const boxes = distToBoxGraph(g, "decode", floats(g, "decode/points", anc.points, [P, 2]), dist);
  const scores = binary(
    g,
    "decode/scores",
    "Mul",
    unary(g, "decode/cls", "Sigmoid", flattenGraph(g, "decode/cls", cls)),
    unary(g, "decode/ctr", "Sigmoid", flattenGraph(g, "decode/ctr", quality)),
  );
  return { boxes, scores };
}

/**
 * RetinaNet decoding (`RetinaHead.decode`: mmdet `delta2bbox`): d = δ·stds + means, (dw, dh) clamped to
 * ±|log(whRatioClip)|, centre = (p1 + p2)/2 + pwh·dxy, size = pwh·exp(dwh), box = centre ∓ size/2 against
 * the anchor boxes (p1, p2) of every location; score = σ(cls) per anchor and class.
 */
export function deltaDenseGraph(
  g: GraphBuilder,
  cls: readonly Sym[],
  box: readonly Sym[],
  strides: readonly number[],
  numClasses: number,
  anchorOpts: AnchorBoxOptions,
  coder: DeltaCoderOptions,
): DenseSyms {
  const { boxes: anchors } = makeAnchorBoxes(
    cls.map((m) => [m.shape[1] as number, m.shape[2] as number] as const),
    strides,
    anchorOpts,
  );
  const K = anchors.length / 4;
  const centre0 = new Float32Array(2 * K);
  const pwh = new Float32Array(2 * K);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < 2; j++) {
      const p1 = anchors[4 * k + j] as number;
      const p2 = anchors[4 * k + 2 + j] as number;
      pwh[2 * k + j] = f32(p2 - p1);
      centre0[2 * k + j] = f32(f32(p1 + p2) * 0.5);
    }
  }
  const { means = [0, 0, 0, 0], stds = [1, 1, 1, 1], whRatioClip = 16 / 1000 } = coder;
  const deltas = flattenGraph(g, "decode/box", box, 4);
  const d = binary(
    g,
    "decode/delta",
    "AddV2",
    binary(g, "decode/delta", "Mul", deltas, floats(g, "decode/stds", [...stds], [4])),
    floats(g, "decode/means", [...means], [4]),
  );
  const [dxy, dwhRaw] = split(g, "decode/delta", d, 2, -1) as [Sym, Sym];
  const maxRatio = Math.abs(Math.log(whRatioClip));
  const dwh = clip(g, "decode/dwh", dwhRaw, -maxRatio, maxRatio);
  const wh = floats(g, "decode/anchor_wh", pwh, [K, 2]);
  const centre = binary(
    g,
    "decode/centre",
    "AddV2",
    floats(g, "decode/anchor_centre", centre0, [K, 2]),
    binary(g, "decode/centre", "Mul", wh, dxy),
  );
  const half = binary(
    g,
    "decode/half",
    "Mul",
    binary(g, "decode/half", "Mul", wh, unary(g, "decode/half", "Exp", dwh)),
    floats(g, "decode/one_half", [0.5], []),
  );
  const boxes = concat(
    g,
    "decode/xyxy",
    [binary(g, "decode/x1y1", "Sub", centre, half), binary(g, "decode/x2y2", "AddV2", centre, half)],
    -1,
  );
  return {
    boxes,
    scores: unary(g, "decode/scores", "Sigmoid", flattenGraph(g, "decode/cls", cls, numClasses)),
  };
}

/**
 * YOLOX decoding (Ge et al. 2021; `yoloxDense`): centre = t_xy·s + (x, y)·s (cell corner), size = exp(t_wh)·s,
 * box = centre ∓ size/2; score = σ(cls)·σ(objectness).
 */
export function yoloxDenseGraph(
  g: GraphBuilder,
  cls: readonly Sym[],
  box: readonly Sym[],
  quality: readonly Sym[],
  strides: readonly number[],
): DenseSyms {
  const anc = points(cls, strides, 0);
  const A = anc.strides.length;
  const [txy, twh] = split(g, "decode/t", flattenGraph(g, "decode/box", box), 2, -1) as [Sym, Sym];
  const xy = binary(
    g,
    "decode/xy",
    "AddV2",
    binary(g, "decode/xy", "Mul", txy, floats(g, "decode/stride", anc.strides, [A, 1])),
    floats(g, "decode/points", anc.points, [A, 2]),
  );
  const half = binary(
    g,
    "decode/half",
    "Mul",
    unary(g, "decode/half", "Exp", twh),
    floats(
      g,
      "decode/half_stride",
      Float32Array.from(anc.strides, (s) => f32(s * 0.5)),
      [A, 1],
    ),
  );
  const boxes = concat(
    g,
    "decode/xyxy",
    [binary(g, "decode/x1y1", "Sub", xy, half), binary(g, "decode/x2y2", "AddV2", xy, half)],
    -1,
  );
  const scores = binary(
    g,
    "decode/scores",
    "Mul",
    unary(g, "decode/cls", "Sigmoid", flattenGraph(g, "decode/cls", cls)),
    unary(g, "decode/obj", "Sigmoid", flattenGraph(g, "decode/obj", quality)),
  );
  return { boxes, scores };
}
