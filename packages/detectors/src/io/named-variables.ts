import type * as tf from "@tensorflow/tfjs-core";
import type { Module } from "@kdet/core";

/** What a parameter is, for weight decay and warmup groups (ultralytics: g0 BN weights, g1 weights, g2 biases). */
export type ParamKind = "weight" | "bias" | "norm" | "buffer";

/** A variable with its stable name (`<module path>.<param name>`) and kind. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  kind: ParamKind;
}

/** The parameter name given to `Module.param` (core names variables `<path|root>.<name>.<counter>`). */
function paramName(v: tf.Variable): string {
  const parts = v.name.split(".");
  return parts.length >= 3 ? (parts[parts.length - 2] as string) : v.name;
}

function kindOf(name: string, trainable: boolean): ParamKind {
  if (!trainable) return "buffer";
  if (name === "bias" || name === "beta") return "bias";
  if (name === "weight") return "weight";
  return "norm";
}

/**
 * Every variable under `root` with a stable, human-readable name: the dotted path of the module
 * that owns it plus its parameter name (`backbone.stem.conv.weight`, `neck.p3.cv1.bn.running_mean`).
 * Names do not depend on construction order or on other models in the process, so they key saved
 * weights, checkpoints, optimizer slots and EMA copies. Kinds: conv/linear `weight`, `bias` (BN shift too,
 * as PyTorch names it `bias`),
 * `norm` (BN/GN scale, learnable scalars), `buffer` (non-trainable, e.g. running statistics).
 */
export function namedVariables(root: Module<never, unknown>): NamedVariable[] {
  const r = root as unknown as Module<unknown, unknown>;
  const mods: Array<[string, Module<unknown, unknown>]> = [["", r], ...r.modules()];
  const seen = new Set<tf.Variable>();
  const out: NamedVariable[] = [];
  // deepest modules first, so each variable is attributed to the module that created it
  mods.sort((a, b) => b[0].split(".").length - a[0].split(".").length || (a[0] < b[0] ? -1 : 1));
  for (const [path, m] of mods) {
    for (const v of m.variables()) {
      if (seen.has(v)) continue;
      seen.add(v);
      const p = paramName(v);
      out.push({ name: path ? `${path}.${p}` : p, variable: v, kind: kindOf(p, v.trainable) });
    }
  }
  const names = new Set<string>();
  for (const n of out) {
    if (names.has(n.name)) throw new Error(`namedVariables: two variables named "${n.name}"`);
    names.add(n.name);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
