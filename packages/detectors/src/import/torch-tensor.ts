import { fromFloat16Bits } from "../teacher-cache/float16";

/** Element types of torch storages (`torch.<Name>Storage`) and their sizes in bytes. */
export const TORCH_STORAGE_DTYPES = {
  FloatStorage: { dtype: "float32", bytes: 4 },
  HalfStorage: { dtype: "float16", bytes: 2 },
  BFloat16Storage: { dtype: "bfloat16", bytes: 2 },
  DoubleStorage: { dtype: "float64", bytes: 8 },
  LongStorage: { dtype: "int64", bytes: 8 },
  IntStorage: { dtype: "int32", bytes: 4 },
  ShortStorage: { dtype: "int16", bytes: 2 },
  CharStorage: { dtype: "int8", bytes: 1 },
  ByteStorage: { dtype: "uint8", bytes: 1 },
  BoolStorage: { dtype: "bool", bytes: 1 },
} as const;

/** A torch element type kdet reads. */
export type TorchDtype = (typeof TORCH_STORAGE_DTYPES)[keyof typeof TORCH_STORAGE_DTYPES]["dtype"];

/** One storage of a `torch.save` archive: `numel` elements of `dtype`, little-endian bytes (`data/<key>`). */
export interface TorchStorage {
  key: string;
  dtype: TorchDtype;
  elementBytes: number;
  numel: number;
  bytes: Uint8Array;
}

/**
 * A tensor read from a checkpoint: a strided view (`offset`, `shape`, `stride`, in elements, as
 * `torch._utils._rebuild_tensor_v2`) of a {@link TorchStorage}. `parameter` marks `nn.Parameter`s.
 */
export class TorchTensor {
  parameter = false;
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  /** Number of elements (product of `shape`). */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * The elements in row-major (C) order as float32, following `stride` and `offset`: float16/bfloat16
   * widen exactly, float64 and integers round to the nearest float32 (as `tensor.float()`).
   */
  toFloat32(): Float32Array {
    const n = this.size;
    const out = new Float32Array(n);
    const read = elementReader(this.storage);
    const rank = this.shape.length;
    const idx = new Array<number>(rank).fill(0);
    let src = this.offset;
    for (let i = 0; i < n; i++) {
      out[i] = read(src);
      // odometer over the shape, moving `src` by the strides
      for (let d = rank - 1; d >= 0; d--) {
        src += this.stride[d] as number;
        if (++(idx[d] as number) < (this.shape[d] as number)) break;
        src -= (this.stride[d] as number) * (this.shape[d] as number);
        idx[d] = 0;
      }
    }
    return out;
  }
}

function elementReader(s: TorchStorage): (i: number) => number {
  const v = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  switch (s.dtype) {
    case "float32":
      return (i) => v.getFloat32(4 * i, true);
    case "float16":
      return (i) => fromFloat16Bits(v.getUint16(2 * i, true));
    case "bfloat16":
      return (i) => {
        const f = new DataView(new ArrayBuffer(4));
        f.setUint32(0, v.getUint16(2 * i, true) << 16, true);
        return f.getFloat32(0, true);
      };
    case "float64":
      return (i) => v.getFloat64(8 * i, true);
    case "int64":
      return (i) => Number(v.getBigInt64(8 * i, true));
    case "int32":
      return (i) => v.getInt32(4 * i, true);
    case "int16":
      return (i) => v.getInt16(2 * i, true);
    case "int8":
      return (i) => v.getInt8(i);
    case "uint8":
    case "bool":
      return (i) => v.getUint8(i);
  }
}

/** Swaps the bytes of every element in place (archives whose `byteorder` record says "big"). */
export function swapBytes(bytes: Uint8Array, elementBytes: number): Uint8Array {
  if (elementBytes === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += elementBytes)
    for (let j = 0; j < elementBytes; j++) out[i + j] = bytes[i + elementBytes - 1 - j] as number;
  return out;
}
