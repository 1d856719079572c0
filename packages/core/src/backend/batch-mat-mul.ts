import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, type KernelArgs, type WasmHeapBackend } from "./kernel-io";

/**
 * Multiply-adds per product (m·k·n) from which the GEMM path pays: below it the builtin's loop is as fast
 * as XNNPACK's per-call set-up (≈ 0.5 ms; bench/matmul).
 */
export const MIN_WORK = 2 ** 22;

/** Side of the square tiles the transposing copy walks (cache-friendly for both strides). */
const TILE = 32;

type Backend = WasmHeapBackend & { disposeData(dataId: object): void };

/**
 * Copies matrix `index` of `x` (viewed as `[batch, rows, cols]`) into a new contiguous `[rows, cols]`
 * tensor, or `[cols, rows]` when `transpose` (row-major, `out[j, i] = x[index, i, j]`).
 */
function matrix(x: tf.TensorInfo, index: number, transpose: boolean, backend: Backend): tf.TensorInfo {
  const rows = x.shape[x.shape.length - 2]!;
  const cols = x.shape[x.shape.length - 1]!;
  const out = backend.makeOutput(transpose ? [cols, rows] : [rows, cols], "float32");
  // Views after the allocation: growing the wasm heap detaches earlier ones.
  const src = backend.typedArrayFromHeap(x).subarray(index * rows * cols, (index + 1) * rows * cols);
  const dst = backend.typedArrayFromHeap(out);
  if (!transpose) dst.set(src);
  else
    for (let i0 = 0; i0 < rows; i0 += TILE)
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const i1 = Math.min(i0 + TILE, rows);
        const j1 = Math.min(j0 + TILE, cols);
        for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) dst[j * rows + i] = src[i * cols + j]!;
      }
  return out;
}

/**
 * `BatchMatMul` for the wasm backend: `out[b] = op(a[b]) · op(b[b])`, `op` = transpose when the flag is
 * set, outer dims broadcast when one side has a single matrix (row-major, float32). tfjs-wasm 4.22 runs
 * only the case "one matrix each, no transpose" on XNNPACK's GEMM; every other case takes a scalar loop
 * that is 10–40× slower (0.3–0.7 GFLOP/s against 8–27 here: the gradients of every `matMul`, i.e. of
 * every fully connected layer, are transposed products). This kernel copies each operand matrix
 * (transposed where flagged) and runs each product on the fast case; the copies cost O(m·k + k·n)
 * against the product's O(m·k·n). Leaves to the builtin the fast case itself, products under `MIN_WORK`
 * and outer dims that broadcast other than "equal shapes or one single matrix".
 */
export function batchMatMulKernel(args: KernelArgs, builtin?: tf.KernelFunc): tf.TensorInfo {
  if (builtin == null)
    throw new Error("BatchMatMul: kdet's kernel needs the wasm builtin to run the products");
  const a = input(args, tf.BatchMatMul, "a");
  const b = input(args, tf.BatchMatMul, "b");
  const { transposeA, transposeB } = attrsOf<tf.BatchMatMulAttrs>(args);
  const backend = args.backend as Backend;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const run = (x: tf.TensorInfo, y: tf.TensorInfo) =>
    builtin({
      inputs: { a: x, b: y },
      backend: args.backend as tf.KernelBackend,
      attrs: {},
    }) as tf.TensorInfo;
  const m = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
  const k = a.shape[a.shape.length - (transposeA ? 2 : 1)]!;
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
  const simple = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
  // each side is either one matrix per output matrix or a single one ([2,1] by [1,2] is neither: builtin)
  const batch = tf.util.sizeFromShape(outer);
  const broadcastable = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  if (simple || m * k * n < MIN_WORK || !broadcastable || a.dtype !== "float32" || b.dtype !== "float32") {
    return builtin({
      inputs: args.inputs,
      backend: args.backend as tf.KernelBackend,
      attrs: args.attrs ?? {},
    }) as tf.TensorInfo;
  }
  const out = backend.makeOutput([...outer, m, n], "float32");
  let lastA: tf.TensorInfo | null = null;
  let lastB: tf.TensorInfo | null = null;
  for (let i = 0; i < batch; i++) {
    if (lastA == null || batchA > 1) {
      if (lastA != null) backend.disposeData(lastA.dataId);
      lastA = matrix(a, batchA > 1 ? i : 0, transposeA, backend);
    }
    if (lastB == null || batchB > 1) {
      if (lastB != null) backend.disposeData(lastB.dataId);
      lastB = matrix(b, batchB > 1 ? i : 0, transposeB, backend);
    }
    const product = run(lastA, lastB);
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(product), i * m * n);
    backend.disposeData(product.dataId);
  }
  backend.disposeData(lastA!.dataId);
  backend.disposeData(lastB!.dataId);
  return out;
}
