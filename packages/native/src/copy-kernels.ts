import * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon";
import { type KernelCall, float32View } from "./wasm-heap";

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** 4-byte dtypes the native copies move as words; everything else goes to the builtin kernel. */
const WORD_DTYPES = new Set<tf.DataType>(["float32", "int32"]);

/** A 4-byte view of a tensor in the wasm heap (Float32Array or Int32Array). */
function words(call: KernelCall, t: tf.TensorInfo): Float32Array | Int32Array {
  return call.backend.typedArrayFromHeap(t) as Float32Array | Int32Array;
}

/**
 * Kernel functions (wasm backend) for the copies and scatters of a detector's training step, threaded:
 * `Concat` and `SplitV` as row-band copies (`outer = Π shape[:axis]` rows; each tensor is a band of
 * `shape[axis]·Π shape[axis+1:]` columns), and `MaxPoolGrad` (NHWC; each dy goes to the first
 * maximum, row-major, of its window — TensorFlow's rule, as the kdet wasm kernel it replaces).
 */
export function nativeCopyKernels(
  addon: NativeAddon,
): Record<string, (call: KernelCall, builtin?: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[]> {
  return {
    [tf.Concat]: (call, builtin) => {
      const xs = (Object.values(call.inputs) as tf.TensorInfo[]).filter((t) => sizeOf(t.shape) > 0);
      const axisAttr = (call.attrs as unknown as tf.ConcatAttrs).axis;
      if (xs.length < 2 || xs.some((t) => t.dtype !== xs[0]!.dtype) || !WORD_DTYPES.has(xs[0]!.dtype))
        return builtin!(call as never) as tf.TensorInfo;
      const axis = tf.util.parseAxisParam(axisAttr, xs[0]!.shape)[0]!;
      const shape = tf.backend_util.computeOutShape(
        xs.map((t) => t.shape),
        axis,
      );
      const out = call.backend.makeOutput(shape, xs[0]!.dtype);
      const outer = sizeOf(shape.slice(0, axis));
      const total = sizeOf(shape.slice(axis));
      const dst = words(call, out);
      let col = 0;
      for (const t of xs) {
        const width = sizeOf(t.shape.slice(axis));
        addon.copyBands(words(call, t), dst, outer, width, 0, width, col, total);
        col += width;
      }
      return out;
    },
    [tf.SplitV]: (call, builtin) => {
      const x = call.inputs.x;
      if (x == null || !WORD_DTYPES.has(x.dtype)) return builtin!(call as never) as tf.TensorInfo[];
      const a = call.attrs as unknown as tf.SplitVAttrs;
      const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, a.numOrSizeSplits, axis);
      const outer = sizeOf(x.shape.slice(0, axis));
      const inner = sizeOf(x.shape.slice(axis + 1));
      const total = x.shape[axis]! * inner;
      const outs = sizes.map((s) => {
        const shape = x.shape.slice();
        shape[axis] = s;
        return call.backend.makeOutput(shape, x.dtype);
      });
      const src = words(call, x);
      let col = 0;
      outs.forEach((o, i) => {
        const width = sizes[i]! * inner;
        addon.copyBands(src, words(call, o), outer, width, col, total, 0, width);
        col += width;
      });
      return outs;
    },
    [tf.MaxPoolGrad]: (call, builtin) => {
      const a = call.attrs as unknown as tf.MaxPoolGradAttrs;
      const dy = call.inputs.dy;
      const x = call.inputs.input;
      if (dy == null || x == null || x.dtype !== "float32") return builtin!(call as never) as tf.TensorInfo;
      const p = tf.backend_util.computePool2DInfo(
        x.shape as [number, number, number, number],
        a.filterSize,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      const dx = call.backend.makeOutput([...x.shape], "float32");
      const g = [
        p.batchSize,
        p.inHeight,
        p.inWidth,
        p.inChannels,
        p.outHeight,
        p.outWidth,
        p.filterHeight,
        p.filterWidth,
        p.strideHeight,
        p.strideWidth,
        p.padInfo.top,
        p.padInfo.left,
      ];
      const v = (t: tf.TensorInfo) => float32View(call.backend, t);
      addon.maxPoolGrad(v(x), v(dy), v(dx), g);
      return dx;
    },
  };
}
