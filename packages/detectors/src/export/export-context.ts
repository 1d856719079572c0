/**
 * State of one graph export: the {@link GraphBuilder}, module-owned constants created once (a tower
 * shared by every pyramid level stores its weights once) and the module-tree helpers the modules' `exportGraph`
 * methods use.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { Module } from "@kdet/core";
import type { GraphBuilder, Sym } from "./graph-def";

/** Any kdet module. */
export type AnyModule = Module<unknown, unknown>;

/** The TF node-name scope of a module path (`neck.p3.cv1` → `neck/p3/cv1`). */
export function scopeOf(m: AnyModule): string {
  return m.path.replace(/\./g, "/") || "root";
}

/** Direct children of `m` by local name, in registration order (from the public module tree). */
export function childrenOf(m: AnyModule): Array<[string, AnyModule]> {
  const prefix = m.path ? `${m.path}.` : "";
  const out: Array<[string, AnyModule]> = [];
  for (const [p, c] of m.modules()) {
    const rest = p.slice(prefix.length);
    if (p.startsWith(prefix) && !rest.includes(".")) out.push([rest, c]);
  }
  return out;
}

/** The child `name` of `m` (throws naming the path, the class and the children there are). */
export function childOf(m: AnyModule, name: string): AnyModule {
  const kids = childrenOf(m);
  const c = kids.find(([n]) => n === name)?.[1];
  if (!c)
    throw new Error(
      `exportGraphModel: module "${m.path || "<root>"}" (${m.constructor.name}) has no child "${name}"; children: ${kids.map(([n]) => n).join(", ") || "none"}`,
    );
  return c;
}

/** A copy of a variable's values (never the backend's own buffer). */
export function values(v: tf.Tensor): Float32Array {
  return Float32Array.from(v.dataSync() as Float32Array);
}

/** Builder plus the per-module constant cache of one export. */
export class ExportContext {
  private readonly consts = new Map<object, Map<string, Sym>>();

  constructor(readonly g: GraphBuilder) {}

  /** The constant `key` owned by `owner`, created by `make` on first use and reused afterwards. */
  constOf(owner: AnyModule, key: string, make: () => { data: Float32Array; shape: readonly number[] }): Sym {
    let byKey = this.consts.get(owner);
    if (!byKey) this.consts.set(owner, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) return hit;
    const { data, shape } = make();
    const s = this.g.constant(`${scopeOf(owner)}/${key}`, data, shape);
    byKey.set(key, s);
    return s;
  }
}
