/**
 * Typed graph ops on {@link Sym}s: each writes one TensorFlow op that tfjs-converter's executor runs
 * with the same tfjs-core kernel kdet's eager code calls (Conv2D → `conv2d`, DepthwiseConv2dNative →
 * `depthwiseConv2d`, ResizeNearestNeighbor → `image.resizeNearestNeighbor`, …), and computes the
 * output's static shape. Layout NHWC, filters HWIO; float32.
 */
import { attr, type GraphBuilder, type Sym } from "./graph-def";

const T = { T: attr.float };

/** Output size of a window op: ⌊(n + padBefore + padAfter − k)/s⌋ + 1 (explicit/VALID), ⌈n/s⌉ (SAME). */
function windowOut(n: number, k: number, s: number, pad: number | "same"): number {
  return pad === "same" ? Math.ceil(n / s) : Math.floor((n + 2 * pad - k) / s) + 1;
}

function dim(x: Sym, i: number): number {
  const d = x.shape[i < 0 ? x.shape.length + i : i];
  if (d === undefined) throw new Error(`graph op: ${x.node} has rank ${x.shape.length}, no axis ${i}`);
  return d;
}

/**
 * 2-D convolution y = x ⊛ W (+ b), stride s, symmetric zero padding p on H and W (TF padding "EXPLICIT",
 * `explicit_paddings` [0,0,p,p,p,p,0,0], or "VALID" for p = 0). `w` is a constant filter `[k,k,in,out]`
 * (depthwise: `[k,k,in,1]`, op DepthwiseConv2dNative); the optional per-channel `bias` is added with BiasAdd.
 */
export function conv2d(
  g: GraphBuilder,
  scope: string,
  x: Sym,
  w: Sym,
  opts: { stride: number; padding: number; depthwise: boolean; bias?: Sym },
): Sym {
  const [kh, kw, cin, cm] = w.shape as [number, number, number, number];
  if (dim(x, 3) !== cin)
    throw new Error(`graph conv "${scope}": input has ${dim(x, 3)} channels, filter expects ${cin}`);
  const cout = opts.depthwise ? cin * cm : cm;
  const p = opts.padding;
  const padAttrs =
    p === 0
      ? { padding: attr.str("VALID"), explicit_paddings: attr.ints([]) }
      : { padding: attr.str("EXPLICIT"), explicit_paddings: attr.ints([0, 0, p, p, p, p, 0, 0]) };
  const outShape = [
    dim(x, 0),
    windowOut(dim(x, 1), kh, opts.stride, p),
    windowOut(dim(x, 2), kw, opts.stride, p),
    cout,
  ];
  const attrs = {
    ...T,
    strides: attr.ints([1, opts.stride, opts.stride, 1]),
    dilations: attr.ints([1, 1, 1, 1]),
    data_format: attr.str("NHWC"),
    ...padAttrs,
  };
  let [y] = g.op(
    `${scope}/${opts.depthwise ? "depthwise" : "Conv2D"}`,
    opts.depthwise ? "DepthwiseConv2dNative" : "Conv2D",
    [x, w],
    attrs,
    [outShape],
  ) as [Sym];
  if (opts.bias) {
    if (opts.bias.shape[0] !== cout)
      throw new Error(`graph conv "${scope}": ${opts.bias.shape[0]} biases for ${cout} channels`);
    [y] = g.op(`${scope}/BiasAdd`, "BiasAdd", [y, opts.bias], { ...T, data_format: attr.str("NHWC") }, [
      outShape,
    ]) as [Sym];
  }
  return y;
}

/** Broadcast shape of two operands (numpy rules; −1 = unknown batch). */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1 && x !== -1 && y !== -1)
      throw new Error(`graph op: shapes [${a.join(",")}] and [${b.join(",")}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element-wise binary op with broadcasting. */
export function binary(
  g: GraphBuilder,
  scope: string,
  op: "AddV2" | "Sub" | "Mul" | "Minimum" | "Maximum",
  a: Sym,
  b: Sym,
): Sym {
  return g.op(`${scope}/${op}`, op, [a, b], T, [broadcast(a.shape, b.shape)])[0] as Sym;
}

/** Element-wise unary op. */
export function unary(
  g: GraphBuilder,
  scope: string,
  op: "Sigmoid" | "Relu" | "Relu6" | "Rsqrt" | "Square" | "Exp" | "Floor" | "Ceil" | "Abs" | "Sqrt" | "Log",
  x: Sym,
): Sym {
  return g.op(`${scope}/${op}`, op, [x], T, [x.shape])[0] as Sym;
}

/** An activation: SiLU = x·σ(x) (Sigmoid, Mul), ReLU, ReLU6, or none. */
export function activation(
  g: GraphBuilder,
  scope: string,
  x: Sym,
  act: "silu" | "relu" | "relu6" | "none",
): Sym {
  if (act === "silu") return binary(g, scope, "Mul", x, unary(g, scope, "Sigmoid", x));
  if (act === "relu") return unary(g, scope, "Relu", x);
  if (act === "relu6") return unary(g, scope, "Relu6", x);
  return x;
}

/** Concatenation along `axis` (ConcatV2; negative axes count from the end). */
export function concat(g: GraphBuilder, scope: string, xs: readonly Sym[], axis: number): Sym {
  const first = xs[0];
  if (!first) throw new Error(`graph concat "${scope}": no inputs`);
  if (xs.length === 1) return first;
  const ax = axis < 0 ? first.shape.length + axis : axis;
  const shape = [...first.shape];
  shape[ax] = xs.reduce((a, x) => a + dim(x, ax), 0);
  return g.op(
    `${scope}/concat`,
    "ConcatV2",
    [...xs, g.ints(`${scope}/concat/axis`, [axis], [])],
    { ...T, N: attr.int(xs.length), Tidx: attr.int32 },
    [shape],
  )[0] as Sym;
}

/** Equal split into `n` parts along `axis` (Split). */
export function split(g: GraphBuilder, scope: string, x: Sym, n: number, axis: number): Sym[] {
  const ax = axis < 0 ? x.shape.length + axis : axis;
  if (dim(x, ax) % n !== 0)
    throw new Error(`graph split "${scope}": axis ${axis} of size ${dim(x, ax)} is not divisible by ${n}`);
  const shape = [...x.shape];
  shape[ax] = dim(x, ax) / n;
  return g.op(
    `${scope}/split`,
    "Split",
    [g.ints(`${scope}/split/dim`, [axis], []), x],
    { ...T, num_split: attr.int(n) },
    Array.from({ length: n }, () => shape),
  );
}

/** Max pooling, window k, stride s, TF padding "SAME" or "VALID". */
export function maxPool(
  g: GraphBuilder,
  scope: string,
  x: Sym,
  k: number,
  s: number,
  pad: "SAME" | "VALID",
): Sym {
  const p = pad === "SAME" ? "same" : 0;
  const shape = [dim(x, 0), windowOut(dim(x, 1), k, s, p), windowOut(dim(x, 2), k, s, p), dim(x, 3)];
  return g.op(
    `${scope}/MaxPool`,
    "MaxPool",
    [x],
    {
      ...T,
      ksize: attr.ints([1, k, k, 1]),
      strides: attr.ints([1, s, s, 1]),
      padding: attr.str(pad),
      data_format: attr.str("NHWC"),
      explicit_paddings: attr.ints([]),
    },
    [shape],
  )[0] as Sym;
}

/** Zero padding of H and W by `p` on each side (Pad). */
export function padHw(g: GraphBuilder, scope: string, x: Sym, p: number): Sym {
  const shape = [dim(x, 0), dim(x, 1) + 2 * p, dim(x, 2) + 2 * p, dim(x, 3)];
  return g.op(
    `${scope}/Pad`,
    "Pad",
    [x, g.ints(`${scope}/Pad/paddings`, [0, 0, p, p, p, p, 0, 0], [4, 2])],
    { ...T, Tpaddings: attr.int32 },
    [shape],
  )[0] as Sym;
}

/** Nearest-neighbour resize to `[h, w]` (align_corners and half_pixel_centers false, as `tf.image.resizeNearestNeighbor`'s defaults). */
export function resizeNearest(g: GraphBuilder, scope: string, x: Sym, h: number, w: number): Sym {
  const size = g.ints(`${scope}/size`, [h, w]);
  return g.op(
    `${scope}/ResizeNearestNeighbor`,
    "ResizeNearestNeighbor",
    [x, size],
    { ...T, align_corners: attr.bool(false), half_pixel_centers: attr.bool(false) },
    [[dim(x, 0), h, w, dim(x, 3)]],
  )[0] as Sym;
}

/** Reshape to `shape` (at most one −1, the batch). */
export function reshape(g: GraphBuilder, scope: string, x: Sym, shape: readonly number[]): Sym {
  return g.op(
    `${scope}/Reshape`,
    "Reshape",
    [x, g.ints(`${scope}/Reshape/shape`, shape)],
    { ...T, Tshape: attr.int32 },
    [shape],
  )[0] as Sym;
}

/** Reduction (Mean or Sum) over `axes`, keeping reduced axes as 1 when `keepDims`. */
export function reduce(
  g: GraphBuilder,
  scope: string,
  op: "Mean" | "Sum",
  x: Sym,
  axes: readonly number[],
  keepDims: boolean,
): Sym {
  const r = x.shape.length;
  const norm = axes.map((a) => (a < 0 ? r + a : a));
  const shape = keepDims
    ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !norm.includes(i));
  return g.op(
    `${scope}/${op}`,
    op,
    [x, g.ints(`${scope}/${op}/axes`, axes)],
    { ...T, Tidx: attr.int32, keep_dims: attr.bool(keepDims) },
    [shape],
  )[0] as Sym;
}

/** Softmax over the last axis. */
export function softmax(g: GraphBuilder, scope: string, x: Sym): Sym {
  return g.op(`${scope}/Softmax`, "Softmax", [x], T, [x.shape])[0] as Sym;
}

/** A float32 constant broadcast against activations (scales, anchor grids). */
export function floats(
  g: GraphBuilder,
  scope: string,
  values: Float32Array | readonly number[],
  shape: readonly number[],
): Sym {
  return g.constant(scope, values instanceof Float32Array ? values : Float32Array.from(values), shape);
}

/** Element-wise clamp to [lo, hi] (ClipByValue, as `tf.clipByValue`). */
export function clip(g: GraphBuilder, scope: string, x: Sym, lo: number, hi: number): Sym {
  return g.op(
    `${scope}/ClipByValue`,
    "ClipByValue",
    [x, floats(g, `${scope}/clip_min`, [lo], []), floats(g, `${scope}/clip_max`, [hi], [])],
    T,
    [x.shape],
  )[0] as Sym;
}

/** The block starting at `begin` of `size` (−1: to the end of that axis), as `tf.slice` (Slice). */
export function slice(
  g: GraphBuilder,
  scope: string,
  x: Sym,
  begin: readonly number[],
  size: readonly number[],
): Sym {
  const shape = size.map((n, i) =>
    n === -1 ? (x.shape[i] === -1 ? -1 : dim(x, i) - (begin[i] as number)) : n,
  );
  return g.op(
    `${scope}/Slice`,
    "Slice",
    [x, g.ints(`${scope}/Slice/begin`, begin), g.ints(`${scope}/Slice/size`, size)],
    { ...T, Index: attr.int32 },
    [shape],
  )[0] as Sym;
}
