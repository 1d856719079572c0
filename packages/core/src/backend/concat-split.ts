import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, shareData, type HeapValues, type KernelArgs, type WasmHeapBackend } from "./kernel-io";


/**
 * Copies `rows` rows of `width` elements from `src` (row stride `srcStride`, first element
 * `srcOffset`) to `dst` (row stride `dstStride`, first element `dstOffset`). Wide rows use
 * `TypedArray.set`; narrow rows (e.g. a channel slice of NHWC) a plain loop, which avoids the
 * per-row `subarray` allocation that makes tfjs-wasm 4.22's channel concat slow.
 */
export function copyRows(src: HeapValues, srcOffset: number, srcStride: number, dst: HeapValues, dstOffset: number, dstStride: number, rows: number, width: number): void {
  if (width >= 256) {
    for (let r = 0; r < rows; r++) dst.set(src.subarray(srcOffset + r * srcStride, srcOffset + r * srcStride + width), dstOffset + r * dstStride);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = srcOffset + r * srcStride;
    const d = dstOffset + r * dstStride;
    for (let j = 0; j < width; j++) dst[d + j] = src[s + j]!;
  }
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * `Concat` for the wasm backend (any axis, numeric dtypes): with `outer = Π shape[:axis]`, each
 * input is `outer` rows of `Π shape_i[axis:]` elements, copied into its column band of the output
 * with `copyRows`. String tensors go to the builtin kernel.
 */
export function concatKernel(args: KernelArgs, builtin?: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const inputs = Object.keys(args.inputs).map((k) => args.inputs[k]!);
  const first = inputs[0];
  if (first == null) throw new Error("Concat: no inputs");
  if (first.dtype === "string" || first.dtype === "complex64") {
    if (builtin == null) throw new Error(`Concat: dtype ${first.dtype} needs the builtin kernel`);
    return builtin(args as Parameters<tf.KernelFunc>[0]);
  }
  const axis = tf.util.parseAxisParam(attrsOf<tf.ConcatAttrs>(args).axis, first.shape)[0]!;
  const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  const parts = inputs.filter((t) => sizeOf(t.shape) > 0);
  if (parts.length === 1) return { ...shareData(parts[0]!, args.backend), shape: outShape };
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput(outShape, first.dtype);
  const outer = sizeOf(outShape.slice(0, axis));
  const total = sizeOf(outShape.slice(axis));
  const dst = backend.typedArrayFromHeap(out);
  let col = 0;
  for (const t of parts) {
    const width = sizeOf(t.shape.slice(axis));
    copyRows(backend.typedArrayFromHeap(t), 0, width, dst, col, total, outer, width);
    col += width;
  }
  return out;
}

/** `SplitV` for the wasm backend: the inverse of `concatKernel` (column bands copied out with `copyRows`). */
export function splitVKernel(args: KernelArgs, builtin?: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const x = input(args, tf.SplitV, "x");
  if (x.dtype === "string" || x.dtype === "complex64") {
    if (builtin == null) throw new Error(`SplitV: dtype ${x.dtype} needs the builtin kernel`);
    return builtin(args as Parameters<tf.KernelFunc>[0]);
  }
  const a = attrsOf<tf.SplitVAttrs>(args);
  const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, a.numOrSizeSplits, axis);
  const backend = args.backend as WasmHeapBackend;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const total = x.shape[axis]! * inner;
  const outs = sizes.map((s) => {
    const shape = x.shape.slice();
    shape[axis] = s;
    return backend.makeOutput(shape, x.dtype);
  });
  const src = backend.typedArrayFromHeap(x);
  let col = 0;
  outs.forEach((o, i) => {
    const width = sizes[i]! * inner;
    copyRows(src, col, total, backend.typedArrayFromHeap(o), 0, width, outer, width);
    col += width;
  });
  return outs;
}
