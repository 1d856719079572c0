import * as tf from "@tensorflow/tfjs-core";
import { attrsOf, input, shareData, type KernelArgs, type WasmHeapBackend } from "./kernel-io";

/**
 * `Identity` without a copy: the output shares the input's data (refcount + 1), as the tfjs cpu
 * backend does. tfjs-wasm 4.22 copies, and the engine calls Identity for every tensor it saves
 * for the backward pass (see README.md in this folder).
 */
export function identityKernel(args: KernelArgs): tf.TensorInfo {
  return shareData(input(args, tf.Identity, "x"), args.backend);
}

/**
 * `Cast` for the wasm backend: a same-dtype cast (every `Mul` gradient does one) shares the data
 * like `Identity`; a dtype change copies element-wise through the heap views, exactly as the
 * tfjs-wasm 4.22 builtin does (typed-array conversion: float → int32 truncates toward zero).
 */
export function castKernel(args: KernelArgs): tf.TensorInfo {
  const x = input(args, tf.Cast, "x");
  const { dtype } = attrsOf<tf.CastAttrs>(args);
  if (dtype === x.dtype) return shareData(x, args.backend);
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput(x.shape, dtype);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
  return out;
}
