import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, readFloat32, type KernelArgs } from "./kernel-io";

/** Pooling geometry (NHWC) as `backend_util.computePool2DInfo` reports it. */
export type PoolInfo = tf.backend_util.Conv2DInfo;

/**
 * Max-pool gradient, NHWC: each `dy[n, oh, ow, c]` goes to the first maximum (row-major over the
 * window, padding excluded) of `x[n, oh·sh - padTop + i, ow·sw - padLeft + j, c]`, the rule of
 * TensorFlow and the tfjs cpu backend. A plain JS scatter loop; replaces tfjs-wasm 4.22's
 * `MaxPoolGrad`, which is wrong for 2×2 stride-2 windows (see README.md in this folder).
 */
export function maxPoolGradValues(x: Float32Array, dy: Float32Array, p: PoolInfo): Float32Array {
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = p;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = p;
  const top = p.padInfo.top;
  const left = p.padInfo.left;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(c);
  const arg = new Int32Array(c);
  for (let n = 0; n < nb; n++) {
    const xb = n * h * w * c;
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * sh - top);
      const r1 = Math.min(h, r * sh - top + fh);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * sw - left);
        const c1 = Math.min(w, q * sw - left + fw);
        best.fill(-Infinity);
        arg.fill(-1);
        for (let i = r0; i < r1; i++) {
          for (let j = c0; j < c1; j++) {
            const off = xb + (i * w + j) * c;
            for (let k = 0; k < c; k++) {
              const v = x[off + k]!;
              if (v > best[k]!) {
                best[k] = v;
                arg[k] = off + k;
              }
            }
          }
        }
        const dyOff = ((n * oh + r) * ow + q) * c;
        for (let k = 0; k < c; k++) {
          const at = arg[k]!;
          if (at >= 0) dx[at]! += dy[dyOff + k]!;
        }
      }
    }
  }
  return dx;
}

/** Kernel function for `MaxPoolGrad` (inputs dy, input, output; attrs of `tf.MaxPoolGradAttrs`). */
export function maxPoolGradKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.MaxPoolGrad;
  const a = attrsOf<tf.MaxPoolGradAttrs>(args);
  const dy = input(args, name, "dy");
  const x = input(args, name, "input");
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const dx = maxPoolGradValues(readFloat32(x, args.backend), readFloat32(dy, args.backend), info);
  return tf.tensor(dx, x.shape, "float32");
}
