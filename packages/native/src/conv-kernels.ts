import * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon";
import { type KernelCall, type WasmBackend, float32View } from "./wasm-heap";

/** [N, H, W, Ci, OH, OW, Co, kh, kw, sh, sw, padTop, padLeft] of an NHWC conv, as the addon takes it. */
export type ConvGeom = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

type PadAttr = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

/**
 * The addon geometry of a conv from tfjs-core's own `computeConv2DInfo` (so 'same'/'valid'/explicit
 * pads and rounding modes agree exactly with tfjs), or null when the conv is not one the native
 * kernels handle: only NHWC, dilation 1 (everything else stays with the builtin kernel).
 */
export function convGeom(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: PadAttr,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
  dilations: number | [number, number] | undefined,
  dataFormat: string | undefined,
): ConvGeom | null {
  if (dataFormat != null && dataFormat !== "NHWC" && dataFormat !== "channelsLast") return null;
  const d = dilations ?? 1;
  if (typeof d === "number" ? d !== 1 : d[0] !== 1 || d[1] !== 1) return null;
  const i = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  if (i.outHeight <= 0 || i.outWidth <= 0 || i.batchSize === 0 || i.inChannels === 0 || i.outChannels === 0)
    return null;
  return [
    i.batchSize,
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.outHeight,
    i.outWidth,
    i.outChannels,
    i.filterHeight,
    i.filterWidth,
    i.strideHeight,
    i.strideWidth,
    i.padInfo.top,
    i.padInfo.left,
  ];
}

function inputOf(call: KernelCall, kernel: string, name: string): tf.TensorInfo {
  const t = call.inputs[name];
  if (t == null) throw new Error(`${kernel} (native): missing input '${name}'`);
  return t;
}

/**
 * Runs one oneDNN conv into a new output of `outShape` in the wasm heap. Views are taken after the
 * output is allocated (allocation may grow, and so move, a non-shared heap).
 */
function runConv(
  addon: NativeAddon,
  backend: WasmBackend,
  op: 0 | 1 | 2,
  g: ConvGeom,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  outShape: number[],
): tf.TensorInfo {
  const [n, h, w, ci, oh, ow, co, kh, kw] = g;
  const x = [n, h, w, ci];
  const y = [n, oh, ow, co];
  const f = [kh, kw, ci, co];
  const expected = op === 0 ? [x, f] : op === 1 ? [y, f] : [x, y];
  [a, b].forEach((t, i) => {
    if (t.shape.join() !== expected[i]!.join())
      throw new Error(
        `${KERNEL_NAMES[op]} (native): input ${i} has shape [${t.shape}], the conv geometry needs [${expected[i]}]`,
      );
  });
  const out = backend.makeOutput(outShape, "float32");
  addon.conv(op, g, float32View(backend, a), float32View(backend, b), float32View(backend, out));
  return out;
}

const KERNEL_NAMES = [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter] as const;

/** Kernel functions (wasm backend) for Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on oneDNN. */
export function nativeConvKernels(
  addon: NativeAddon,
): Record<string, (call: KernelCall, builtin?: tf.KernelFunc) => tf.TensorInfo> {
  return {
    /** y = conv(x, W): `y[n,oh,ow,co] = Σ xpad[n, oh·sh+kh, ow·sw+kw, ci] · W[kh,kw,ci,co]`. */
    [tf.Conv2D]: (call, builtin) => {
      const a = call.attrs as unknown as tf.Conv2DAttrs;
      const x = inputOf(call, tf.Conv2D, "x");
      const w = inputOf(call, tf.Conv2D, "filter");
      const g = convGeom(x.shape, w.shape, a.strides, a.pad, a.dimRoundingMode, a.dilations, a.dataFormat);
      if (g == null || x.dtype !== "float32") return builtin!(call as never) as tf.TensorInfo;
      return runConv(addon, call.backend, 0, g, x, w, [g[0], g[4], g[5], g[6]]);
    },
    /** dx[n,h,w,ci] = Σ dy[n,oh,ow,co] · W[kh,kw,ci,co] over oh·sh+kh = h+padTop, ow·sw+kw = w+padLeft. */
    [tf.Conv2DBackpropInput]: (call, builtin) => {
      const a = call.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const dy = inputOf(call, tf.Conv2DBackpropInput, "dy");
      const w = inputOf(call, tf.Conv2DBackpropInput, "filter");
      const g = convGeom(a.inputShape, w.shape, a.strides, a.pad, a.dimRoundingMode, 1, a.dataFormat);
      if (g == null) return builtin!(call as never) as tf.TensorInfo;
      return runConv(addon, call.backend, 1, g, dy, w, [g[0], g[1], g[2], g[3]]);
    },
    /** dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·sh+kh, ow·sw+kw, ci] · dy[n,oh,ow,co]. */
    [tf.Conv2DBackpropFilter]: (call, builtin) => {
      const a = call.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const x = inputOf(call, tf.Conv2DBackpropFilter, "x");
      const dy = inputOf(call, tf.Conv2DBackpropFilter, "dy");
      const g = convGeom(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode, 1, a.dataFormat);
      if (g == null) return builtin!(call as never) as tf.TensorInfo;
      return runConv(addon, call.backend, 2, g, x, dy, [g[7], g[8], g[3], g[6]]);
    },
  };
}
