import * as tf from "@tensorflow/tfjs-core";

/** The arguments every registered kernel function receives (tfjs-core `KernelFunc` parameters). */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Typed views of tensor data, as the wasm heap holds them. */
export type HeapValues = Float32Array | Int32Array | Uint8Array;

/** The tfjs-wasm backend methods the copy kernels use: allocate an output, view a tensor in the heap (no copy). */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapValues;
}

/** The kernel-level backend methods the kdet kernels use (present on the cpu and wasm backends). */
type KernelBackendLike = Pick<tf.KernelBackend, "readSync" | "incRef">;

function asBackend(backend: unknown): KernelBackendLike {
  return backend as KernelBackendLike;
}

/** The named input of a kernel call, or an error naming the kernel and the missing input. */
export function input(args: KernelArgs, kernel: string, name: string): tf.TensorInfo {
  const info = args.inputs[name];
  if (info == null) throw new Error(`${kernel}: missing input '${name}'`);
  return info;
}

/** The kernel attributes, typed as the tfjs-core `<Kernel>Attrs` interface of the caller. */
export function attrsOf<T>(args: KernelArgs): T {
  return (args.attrs ?? {}) as unknown as T;
}

/**
 * A `tf.Tensor` for a kernel input so that ordinary tf ops can run on it inside the kernel.
 * Inputs that already are Tensors (the usual case: ops pass their tensors to `runKernel`) are
 * returned as they are; a bare TensorInfo is wrapped after an `incRef` of its data, so that
 * disposing the wrapper (e.g. by the enclosing `tf.tidy`) leaves the caller's data alive.
 */
export function asTensor(info: tf.TensorInfo, backend: unknown): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  asBackend(backend).incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** A copy of a float32 kernel input's values (read synchronously from the backend). */
export function readFloat32(info: tf.TensorInfo, backend: unknown): Float32Array {
  const values = asBackend(backend).readSync(info.dataId);
  if (values instanceof Float32Array) return values;
  return Float32Array.from(values as ArrayLike<number>);
}

/** A copy of an int32 kernel input's values (read synchronously from the backend). */
export function readInt32(info: tf.TensorInfo, backend: unknown): Int32Array {
  const values = asBackend(backend).readSync(info.dataId);
  if (values instanceof Int32Array) return values;
  return Int32Array.from(values as ArrayLike<number>);
}

/** Increments the refcount of `info`'s data and returns a TensorInfo that shares it (no copy). */
export function shareData(info: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  asBackend(backend).incRef(info.dataId);
  return { dataId: info.dataId, shape: info.shape, dtype: info.dtype };
}

/** Throws unless every entry is 1 (dilation > 1 is not supported by the kdet gradient kernels). */
export function assertUnitDilation(kernel: string, dilations: number | [number, number] | undefined): void {
  const d = dilations == null ? [1, 1] : typeof dilations === "number" ? [dilations, dilations] : dilations;
  if (d[0] !== 1 || d[1] !== 1) {
    throw new Error(`${kernel}: dilations ${JSON.stringify(dilations)} are not supported (only 1)`);
  }
}

/** Throws unless the data format is channels-last (NHWC), the only layout kdet kernels handle. */
export function assertNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== "NHWC" && dataFormat !== "channelsLast") {
    throw new Error(`${kernel}: data format '${dataFormat}' is not supported (only NHWC)`);
  }
}
