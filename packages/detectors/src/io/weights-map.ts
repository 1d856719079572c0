import type * as tf from "@tensorflow/tfjs-core";
import type { Module } from "@kdet/core";
import { namedVariables } from "./named-variables";

/**
 * Assigns `tensors` (by stable variable name, see `namedVariables`) to the variables of `root`.
 * Every variable must be present with its exact shape and no extra names are allowed; errors name
 * `source`, the variable and the shapes. Does not dispose `tensors`.
 */
export function assignNamed(
  root: Module<never, unknown>,
  tensors: Record<string, tf.Tensor>,
  source: string,
): void {
  const vars = namedVariables(root);
  const missing = vars.filter((v) => !(v.name in tensors)).map((v) => v.name);
  if (missing.length)
    throw new Error(
      `${source}: missing ${missing.length} weight(s): ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ", …" : ""}`,
    );
  const known = new Set(vars.map((v) => v.name));
  const extra = Object.keys(tensors).filter((k) => !known.has(k));
  if (extra.length)
    throw new Error(
      `${source}: ${extra.length} weight(s) the model does not have: ${extra.slice(0, 8).join(", ")}${extra.length > 8 ? ", …" : ""}`,
    );
  for (const v of vars) {
    const t = tensors[v.name] as tf.Tensor;
    if (t.shape.join(",") !== v.variable.shape.join(","))
      throw new Error(
        `${source}: weight "${v.name}" has shape [${t.shape}], the model expects [${v.variable.shape}]`,
      );
    if (t.dtype !== v.variable.dtype)
      throw new Error(
        `${source}: weight "${v.name}" has dtype ${t.dtype}, the model expects ${v.variable.dtype}`,
      );
  }
  for (const v of vars) v.variable.assign(tensors[v.name] as tf.Tensor);
}

/** The variables of `root` by stable name (the variables themselves, not copies). */
export function variablesByName(root: Module<never, unknown>): Record<string, tf.Variable> {
  return Object.fromEntries(namedVariables(root).map((v) => [v.name, v.variable]));
}
