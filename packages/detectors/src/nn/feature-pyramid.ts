import type * as tf from "@tensorflow/tfjs-core";
import { Module } from "@kdet/core";

/** One output level of a backbone or neck: its module name (path relative to the owner), channels and stride. */
export interface LevelInfo {
  name: string;
  channels: number;
  stride: number;
}

/**
 * A module mapping one or more NHWC feature maps to a list of feature maps, finest first, whose
 * levels are declared up front (`levels`, also set as `outputInfo` on each level's module so
 * `featureInfo` and taps see them without a forward pass).
 */
export abstract class PyramidModule<I> extends Module<I, tf.Tensor4D[]> {
  abstract readonly levels: readonly LevelInfo[];

  /** Declares `levels` on the named child modules (call at the end of the subclass constructor). */
  protected declareLevels(levels: readonly LevelInfo[]): void {
    const kids = this.modules();
    for (const l of levels) {
      const m = kids.get(l.name);
      if (!m) throw new Error(`${this.constructor.name}: level module "${l.name}" is not a child`);
      m.outputInfo = { channels: l.channels, stride: l.stride };
    }
  }
}

/** A backbone: image `[N,H,W,3]` → features (finest first). */
export abstract class Backbone extends PyramidModule<tf.Tensor4D> {}

/** A neck: backbone features → pyramid features (finest first). */
export abstract class Neck extends PyramidModule<tf.Tensor4D[]> {}
