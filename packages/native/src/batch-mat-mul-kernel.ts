import * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon";
import { type KernelCall, float32View } from "./wasm-heap";

/**
 * `BatchMatMul` on oneDNN's matmul primitive: `out[i] = op(a[i]) · op(b[i])` (row-major float32; `op` = transpose when
 * `transposeA`/`transposeB`; a side with a single matrix is broadcast over the other's). The transposed operands are
 * read in place: the products a fully connected layer's gradients need (`dx = dy · Wᵀ`, `dW = xᵀ · dy`) run at the
 * speed of the forward one, with no copies. Falls through to the kernel registered before for other dtypes, an
 * addon without `batchMatMul`, and outer dims that broadcast other than "equal shapes or one single matrix".
 */
export function nativeBatchMatMulKernels(
  addon: NativeAddon,
): Record<string, (call: KernelCall, builtin?: tf.KernelFunc) => tf.TensorInfo> {
  if (addon.batchMatMul == null) return {};
  const gemm = addon.batchMatMul.bind(addon);
  return {
    [tf.BatchMatMul]: (call, builtin) => {
      const { a, b } = call.inputs;
      if (a == null || b == null) throw new Error("BatchMatMul (native): missing input 'a' or 'b'");
      const { transposeA, transposeB } = call.attrs as unknown as tf.BatchMatMulAttrs;
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const batchA = tf.util.sizeFromShape(outerA);
      const batchB = tf.util.sizeFromShape(outerB);
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
      const batch = tf.util.sizeFromShape(outer);
      const m = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
      const k = a.shape[a.shape.length - (transposeA ? 2 : 1)]!;
      const n = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
      const plain = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
      if (!plain || a.dtype !== "float32" || b.dtype !== "float32" || m * k * n === 0)
        return builtin!(call as never) as tf.TensorInfo;
      const out = call.backend.makeOutput([...outer, m, n], "float32");
      // views after the allocation: growing a non-shared heap moves it
      const dims = [batch, batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0];
      gemm(float32View(call.backend, a), float32View(call.backend, b), float32View(call.backend, out), dims);
      return out;
    },
  };
}
