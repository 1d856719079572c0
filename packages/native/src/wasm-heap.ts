import type * as tf from "@tensorflow/tfjs-core";

/** The tfjs-wasm backend methods the native kernels use: allocate an output, view a tensor in the heap (no copy). */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
}

/** The arguments a registered kernel function receives (tfjs-core `KernelFunc` parameters), on the wasm backend. */
export interface KernelCall {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackend;
  attrs?: tf.NamedAttrMap;
}

/** A Float32Array view of a float32 tensor's data in the wasm heap (shared or not); throws for other dtypes. */
export function float32View(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  const v = backend.typedArrayFromHeap(info);
  if (!(v instanceof Float32Array))
    throw new Error(`kdet native: expected a float32 tensor of shape [${info.shape}], got ${info.dtype}`);
  return v;
}

/** Input `name` of a kernel call, which must be float32; throws naming the kernel and the input otherwise. */
export function float32Input(call: KernelCall, kernel: string, name: string): tf.TensorInfo {
  const t = call.inputs[name];
  if (t == null) throw new Error(`${kernel} (native): missing input '${name}'`);
  if (t.dtype !== "float32")
    throw new Error(`${kernel} (native): input '${name}' is ${t.dtype}, needs float32`);
  return t;
}
