import type * as tf from "@tensorflow/tfjs-core";
import { Module } from "@kdet/core";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { exportMap } from "../export/module-graph";

/**
 * One module per pyramid level, applied element-wise: out[i] = m_i(x[i]). Children are named
 * after the levels (`p3`, `p4`, …), so `head.cls.p4` is a tappable path.
 */
export class PerLevel extends Module<tf.Tensor4D[], tf.Tensor4D[]> {
  private readonly items: Module<tf.Tensor4D, tf.Tensor4D>[] = [];

  constructor(entries: Array<[string, Module<tf.Tensor4D, tf.Tensor4D>]>) {
    super();
    for (const [name, m] of entries) this.items.push(this.child(name, m));
  }

  /** Graph export: level i's module on input i. */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    if (xs.length !== this.items.length)
      throw new Error(
        `exportGraphModel: PerLevel "${this.path}" has ${this.items.length} levels, got ${xs.length} inputs`,
      );
    return this.items.map((m, i) => exportMap(m, xs[i] as Sym, ctx));
  }

  protected forward(xs: tf.Tensor4D[]): tf.Tensor4D[] {
    if (xs.length !== this.items.length)
      throw new Error(`PerLevel "${this.path}": got ${xs.length} inputs for ${this.items.length} levels`);
    return xs.map((x, i) => (this.items[i] as Module<tf.Tensor4D, tf.Tensor4D>).call(x));
  }
}
