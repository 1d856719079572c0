import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, readFloat32, readInt32, type KernelArgs } from "./kernel-io";

/**
 * Unsorted segment sum (the gradient of `tf.gather`), as in TF's `UnsortedSegmentSum`:
 * `out[s, j] = Σ_{i : ids[i] = s} x[i, j]` where `i` runs over the `ids.size` leading elements of x
 * and `j` over the rest (`x.shape = [...ids.shape, ...inner]`); ids outside [0, numSegments) are
 * dropped. A plain JS loop over the values — exact, and fast on any backend.
 */
export function unsortedSegmentSumValues(
  x: Float32Array | Int32Array,
  ids: Int32Array,
  numSegments: number,
): Float32Array | Int32Array {
  const inner = ids.length === 0 ? 0 : x.length / ids.length;
  const out =
    x instanceof Int32Array ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j]! += x[src + j]!;
  }
  return out;
}

/** Kernel function for `UnsortedSegmentSum` (inputs x, segmentIds; attr numSegments). */
export function unsortedSegmentSumKernel(args: KernelArgs): tf.TensorInfo {
  const name = tf.UnsortedSegmentSum;
  const { numSegments } = attrsOf<tf.UnsortedSegmentSumAttrs>(args);
  const x = input(args, name, "x");
  const ids = input(args, name, "segmentIds");
  const innerShape = x.shape.slice(ids.shape.length);
  const xv = x.dtype === "int32" ? readInt32(x, args.backend) : readFloat32(x, args.backend);
  const out = unsortedSegmentSumValues(xv, readInt32(ids, args.backend), numSegments);
  return tf.tensor(out, [numSegments, ...innerShape], x.dtype === "int32" ? "int32" : "float32");
}
