import { describe, PyObject } from "./pickle";
import type { TorchCheckpoint } from "./torch-checkpoint";
import { TorchTensor } from "./torch-tensor";
import { CheckpointFormatError } from "./zip-archive";

/** A flat state dict (`name → tensor`, PyTorch order) and where in the checkpoint it came from. */
export interface StateDict {
  tensors: Map<string, TorchTensor>;
  /** `state_dict`, `model (module tree)`, `ema (module tree)`, `<root>` … */
  source: string;
}

/** Deepest module nesting followed when walking a pickled module tree. */
const MAX_DEPTH = 64;

/**
 * The state dict of a pickled `nn.Module` (as `module.state_dict()`): for each module, its `_parameters`
 * and its `_buffers` minus `_non_persistent_buffers_set` (None entries skipped), then `_modules`
 * recursively with dotted prefixes. Cycles and nesting beyond 64 levels are errors.
 */
export function moduleStateDict(module: PyObject, file: string): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  const active = new Set<PyObject>();
  const walk = (m: PyObject, prefix: string, depth: number): void => {
    if (depth > MAX_DEPTH)
      throw new CheckpointFormatError(file, `module tree deeper than ${MAX_DEPTH} at "${prefix}"`);
    if (active.has(m)) throw new CheckpointFormatError(file, `module tree has a cycle at "${prefix}"`);
    active.add(m);
    const a = m.attrs;
    const nonPersistent = a.get("_non_persistent_buffers_set");
    for (const field of ["_parameters", "_buffers"]) {
      const d = a.get(field);
      if (d === undefined) continue;
      if (!(d instanceof Map))
        throw new CheckpointFormatError(
          file,
          `module "${prefix || "<root>"}" (${m.className}): ${field} is a ${describe(d)}`,
        );
      for (const [k, v] of d) {
        if (v === null || (field === "_buffers" && nonPersistent instanceof Set && nonPersistent.has(k)))
          continue;
        if (!(v instanceof TorchTensor))
          throw new CheckpointFormatError(
            file,
            `${prefix}${String(k)} (${m.className}.${field}) is a ${describe(v)}, not a tensor`,
          );
        out.set(`${prefix}${String(k)}`, v);
      }
    }
    const children = a.get("_modules");
    if (children instanceof Map)
      for (const [k, v] of children) if (v instanceof PyObject) walk(v, `${prefix}${String(k)}.`, depth + 1);
    active.delete(m);
  };
  walk(module, "", 0);
  return out;
}

/**
 * A dict whose entries are all `name → tensor`, or undefined. The `module.` prefix that
 * `nn.DataParallel` / `DistributedDataParallel` put on every name is removed.
 */
function tensorMap(d: Map<unknown, unknown>): Map<string, TorchTensor> | undefined {
  if (d.size === 0) return undefined;
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of d) {
    if (typeof k !== "string" || !(v instanceof TorchTensor)) return undefined;
    out.set(k, v);
  }
  const keys = [...out.keys()];
  if (!keys.every((k) => k.startsWith("module."))) return out;
  return new Map(keys.map((k) => [k.slice("module.".length), out.get(k) as TorchTensor]));
}

/**
 * Finds the weights in a checkpoint, in the layouts the tools write:
 * - mmdetection / mmengine: `{meta, state_dict, optimizer?}` → `state_dict`;
 * - ultralytics: `{model: DetectionModel, ema: DetectionModel | None, …}` → the module tree of `ema`
 *   when present (what ultralytics loads), else `model`;
 * - a bare state dict (`torch.save(model.state_dict())`) or a bare pickled module.
 * Anything else is an error listing the top-level keys.
 */
export function extractStateDict(ckpt: TorchCheckpoint): StateDict {
  const { root, file } = ckpt;
  if (root instanceof PyObject)
    return { tensors: moduleStateDict(root, file), source: `<root> (${root.className})` };
  if (!(root instanceof Map))
    throw new CheckpointFormatError(file, `the checkpoint holds a ${describe(root)}, not a dict or a module`);
  const bare = tensorMap(root);
  if (bare) return { tensors: bare, source: "<root>" };
  for (const key of ["state_dict", "model_state_dict", "ema", "model"]) {
    const v = root.get(key);
    if (v instanceof PyObject)
      return { tensors: moduleStateDict(v, file), source: `${key} (${v.className})` };
    if (v instanceof Map) {
      const m = tensorMap(v);
      if (m) return { tensors: m, source: key };
    }
  }
  const keys = [...root.keys()].map((k) => String(k)).slice(0, 12);
  throw new CheckpointFormatError(
    file,
    `no weights found: expected a state dict, "state_dict" (mmdetection) or "ema"/"model" modules (ultralytics); top-level keys: ${keys.join(", ")}`,
  );
}
