import * as tf from "@tensorflow/tfjs-core";
import type { Module } from "@kdet/core";
import { namedVariables, type NamedVariable } from "../io/named-variables";

/** EMA settings (ultralytics `ModelEMA`: decay 0.9999, ramp τ = 2000 updates). */
export interface EmaOptions {
  decay?: number;
  tau?: number;
}

/**
 * Exponential moving average of a model's weights in a structurally identical `shadow` model
 * (ultralytics `ModelEMA`): after update n, d = decay·(1 − e^(−n/τ)) and every float variable,
 * BatchNorm running statistics included, becomes v_ema ← d·v_ema + (1 − d)·v_model.
 * The shadow starts as a copy of the model; evaluate and export the shadow.
 */
export class ModelEma {
  readonly decay: number;
  readonly tau: number;
  updates = 0;
  private readonly pairs: Array<[NamedVariable, NamedVariable]>;

  constructor(
    model: Module<never, unknown>,
    readonly shadow: Module<never, unknown>,
    opts: EmaOptions = {},
  ) {
    this.decay = opts.decay ?? 0.9999;
    this.tau = opts.tau ?? 2000;
    const src = namedVariables(model);
    const dst = new Map(namedVariables(shadow).map((n) => [n.name, n]));
    this.pairs = src.map((s) => {
      const d = dst.get(s.name);
      if (!d || d.variable.shape.join() !== s.variable.shape.join())
        throw new Error(`ModelEma: shadow has no variable "${s.name}" of shape [${s.variable.shape}]`);
      return [s, d];
    });
    if (dst.size !== src.length)
      throw new Error(`ModelEma: shadow has ${dst.size} variables, model ${src.length}`);
    for (const [s, d] of this.pairs) d.variable.assign(s.variable);
  }

  /** Current decay d(n) for the next update. */
  currentDecay(): number {
    return this.decay * (1 - Math.exp(-(this.updates + 1) / this.tau));
  }

  /** One EMA update from the model's current weights. */
  update(): void {
    const d = this.currentDecay();
    this.updates++;
    tf.tidy(() => {
      for (const [s, e] of this.pairs)
        e.variable.assign(tf.add(tf.mul(e.variable, d), tf.mul(s.variable, 1 - d)));
    });
  }
}
