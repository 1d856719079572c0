import { readFile } from "node:fs/promises";
import { describe, type PyCallable, PyGlobal, PyObject, unpickle } from "./pickle";
import { swapBytes, TORCH_STORAGE_DTYPES, type TorchStorage, TorchTensor } from "./torch-tensor";
import { CheckpointFormatError, ZipArchive } from "./zip-archive";

/** A `torch.save` archive read into memory: the unpickled object tree (tensors as {@link TorchTensor}). */
export interface TorchCheckpoint {
  file: string;
  /** The root object (usually a Map: a state dict or a dict holding one). */
  root: unknown;
  /** Contents of the archive's `version` record (serialisation format version). */
  version: string | undefined;
}

/** Largest tensor (elements) a checkpoint may describe (stride-0 views can exceed their storage). */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function intList(v: unknown, what: string, fail: (m: string) => never): number[] {
  if (!Array.isArray(v) || !v.every(isInt) || v.length > 16) fail(`${what} is not a tuple of ≤ 16 sizes`);
  return v as number[];
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(args: readonly unknown[], fail: (m: string) => never): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Object) || !("bytes" in (storage as object)))
    fail(`first argument is a ${describe(storage)}, not a storage`);
  if (!isInt(offset)) fail(`storage offset ${String(offset)} is not a non-negative integer`);
  const shape = intList(size, "size", fail);
  const strides = intList(stride, "stride", fail);
  if (shape.length !== strides.length) fail(`size [${shape}] and stride [${strides}] differ in rank`);
  const s = storage as TorchStorage;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_TENSOR_ELEMENTS) fail(`size [${shape}] has more than ${MAX_TENSOR_ELEMENTS} elements`);
  const last =
    n === 0 ? 0 : shape.reduce((a, d, i) => a + (d - 1) * (strides[i] as number), offset as number);
  if (n > 0 && last >= s.numel)
    fail(
      `view (offset ${offset}, size [${shape}], stride [${strides}]) reaches element ${last} of a ${s.numel}-element storage "${s.key}"`,
    );
  return new TorchTensor(s, offset as number, shape, strides);
}

function asParameter(t: unknown, fail: (m: string) => never): TorchTensor {
  if (!(t instanceof TorchTensor)) fail(`data is a ${describe(t)}, not a tensor`);
  (t as TorchTensor).parameter = true;
  return t as TorchTensor;
}

/** The callables a torch checkpoint may use; nothing else is ever "called". */
export const TORCH_PICKLE_FUNCTIONS: Record<string, PyCallable> = {
  "torch._utils._rebuild_tensor_v2": rebuildTensor,
  "torch._utils._rebuild_tensor": rebuildTensor,
  "torch._utils._rebuild_parameter": (a, fail) => asParameter(a[0], fail),
  "torch._utils._rebuild_parameter_with_state": (a, fail) => asParameter(a[0], fail),
  "torch._tensor._rebuild_from_type_v2": (a, fail) => {
    const [fn, , args] = a;
    const f = fn instanceof PyGlobal ? TORCH_PICKLE_FUNCTIONS[fn.qualname] : undefined;
    if (!f || !Array.isArray(args)) return fail(`cannot rebuild with ${describe(fn)}`);
    return f(args, fail);
  },
  "collections.OrderedDict": (a) => {
    const m = new Map();
    const pairs = a[0];
    if (Array.isArray(pairs)) for (const p of pairs) if (Array.isArray(p)) m.set(p[0], p[1]);
    return m;
  },
  "copyreg._reconstructor": (a, fail) => {
    const [cls] = a;
    if (!(cls instanceof PyGlobal)) fail(`class is a ${describe(cls)}`);
    return new PyObject((cls as PyGlobal).qualname, []);
  },
  "torch.device": (a) => String(a[0]),
  "torch.Size": (a) => [...((a[0] as unknown[] | undefined) ?? [])],
  "numpy.dtype": (a) => ({ numpyDtype: String(a[0]) }),
  // dill (ultralytics saves with it when installed) names some types by a loader function
  "dill._dill._load_type": (a) => new PyGlobal("types", String(a[0])),
  "numpy.core.multiarray.scalar": numpyScalar,
  "numpy._core.multiarray.scalar": numpyScalar,
  // numpy arrays (mmengine's message_hub history buffers…): kept as opaque records, never read
  "numpy.core.multiarray._reconstruct": () => new PyObject("numpy.ndarray", []),
  "numpy._core.multiarray._reconstruct": () => new PyObject("numpy.ndarray", []),
  "numpy.ndarray": () => new PyObject("numpy.ndarray", []),
  "collections.defaultdict": () => new Map(),
  "datetime.datetime": (a) => new PyObject("datetime.datetime", a),
  "datetime.date": (a) => new PyObject("datetime.date", a),
  "datetime.timedelta": (a) => new PyObject("datetime.timedelta", a),
  // dtypes appear as values (e.g. in saved configs)
  ...Object.fromEntries(
    ["float16", "float32", "float64", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"].map(
      (d) => [`torch.${d}`, () => `torch.${d}`],
    ),
  ),
};

/** numpy scalars (`best_fitness` and the like): float64/float32/int64 values, others null. */
function numpyScalar(a: readonly unknown[]): number | null {
  const [dtype, raw] = a;
  const kind = (dtype as { numpyDtype?: string } | null)?.numpyDtype;
  if (!(raw instanceof Uint8Array)) return null;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (kind === "f8" && raw.length === 8) return v.getFloat64(0, true);
  if (kind === "f4" && raw.length === 4) return v.getFloat32(0, true);
  if (kind === "i8" && raw.length === 8) return Number(v.getBigInt64(0, true));
  return null;
}

/**
 * Reads a `torch.save` file (zip format of PyTorch ≥ 1.6): `<root>/data.pkl` is unpickled with torch's
 * rebuild functions allow-listed, its persistent ids `("storage", torch.<T>Storage, key, location, numel)`
 * resolve to `<root>/data/<key>` (checked: size = numel · element size), and `<root>/byteorder` "big"
 * swaps bytes. The legacy (pre-1.6) format and TorchScript archives are refused with a message saying so.
 */
export async function readTorchCheckpoint(file: string): Promise<TorchCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CheckpointFormatError(file, `cannot read: ${(e as Error).message}`);
  }
  return parseTorchCheckpoint(bytes, file);
}

/** {@link readTorchCheckpoint} on bytes already in memory. */
export function parseTorchCheckpoint(bytes: Uint8Array, file: string): TorchCheckpoint {
  if (bytes[0] === 0x80 && (bytes[1] ?? 0) <= 5)
    throw new CheckpointFormatError(
      file,
      "legacy torch.save format (PyTorch < 1.6, a bare pickle) is not supported; re-save it with a recent PyTorch",
    );
  const zip = new ZipArchive(bytes, file);
  const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    const ts = [...zip.entries.keys()].some((n) => /^[^/]+\/constants\.pkl$/.test(n));
    throw new CheckpointFormatError(
      file,
      ts
        ? "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint"
        : `expected exactly one <root>/data.pkl record, found ${pkl.length}`,
    );
  }
  const prefix = (pkl[0] as string).slice(0, -"data.pkl".length);
  const text = (name: string): string | undefined =>
    zip.entries.has(prefix + name) ? new TextDecoder().decode(zip.read(prefix + name)).trim() : undefined;
  const byteorder = text("byteorder") ?? "little";
  if (byteorder !== "little" && byteorder !== "big")
    throw new CheckpointFormatError(file, `byteorder record is "${byteorder}"; allowed: little, big`);
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown, fail: (m: string) => never): TorchStorage => {
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length !== 5)
      return fail(
        `persistent id ${JSON.stringify(describe(pid))} is not ("storage", type, key, location, numel)`,
      );
    const [, type, key, , numel] = pid;
    const name = type instanceof PyGlobal && type.module === "torch" ? type.name : undefined;
    const info = name ? TORCH_STORAGE_DTYPES[name as keyof typeof TORCH_STORAGE_DTYPES] : undefined;
    if (!info)
      return fail(
        `storage type ${describe(type)} is not supported; allowed: ${Object.keys(TORCH_STORAGE_DTYPES).join(", ")}`,
      );
    if (typeof key !== "string" || !/^[A-Za-z0-9_.-]+$/.test(key))
      return fail(`bad storage key ${String(key)}`);
    if (!isInt(numel)) return fail(`storage "${key}" has a bad element count ${String(numel)}`);
    const seen = storages.get(key);
    if (seen) return seen;
    const entry = `${prefix}data/${key}`;
    if (!zip.entries.has(entry)) return fail(`storage "${key}" has no record ${entry}`);
    let raw = zip.read(entry);
    if (raw.length !== numel * info.bytes)
      return fail(
        `storage "${key}" holds ${raw.length} bytes, ${numel} × ${info.dtype} needs ${numel * info.bytes}`,
      );
    if (byteorder === "big") raw = swapBytes(raw, info.bytes);
    const s: TorchStorage = { key, dtype: info.dtype, elementBytes: info.bytes, numel, bytes: raw };
    storages.set(key, s);
    return s;
  };
  const root = unpickle(zip.read(`${prefix}data.pkl`), {
    file,
    persistentLoad,
    functions: TORCH_PICKLE_FUNCTIONS,
  });
  return { file, root, version: text("version") };
}
