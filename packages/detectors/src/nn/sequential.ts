import type * as tf from "@tensorflow/tfjs-core";
import { Module } from "@kdet/core";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { exportMap } from "../export/module-graph";

/**
 * Runs its children in order. Children are registered under the given names (default "0", "1", …),
 * so each step is a tappable path (`head.box.p3.2`).
 */
export class Sequential extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly steps: Module<tf.Tensor4D, tf.Tensor4D>[] = [];

  constructor(steps: Module<tf.Tensor4D, tf.Tensor4D>[] | Record<string, Module<tf.Tensor4D, tf.Tensor4D>>) {
    super();
    const entries = Array.isArray(steps)
      ? steps.map((m, i) => [String(i), m] as const)
      : Object.entries(steps);
    for (const [name, m] of entries) this.steps.push(this.child(name, m));
  }

  /** Graph export: the steps in order. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return this.steps.reduce((y, m) => exportMap(m, y, ctx), x);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    let y = x;
    for (const m of this.steps) y = m.call(y);
    return y;
  }
}
