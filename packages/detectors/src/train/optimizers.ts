import * as tf from "@tensorflow/tfjs-core";
import { type OptimizerConfig, type OptimizerConfigInput, optimizerSchema } from "./optimizer-config";

export {
  adamwSchema,
  optimizerSchema,
  sgdSchema,
  type OptimizerConfig,
  type OptimizerConfigInput,
} from "./optimizer-config";

/** One parameter handed to {@link Optimizer.apply}: its stable name, variable, gradient, learning rate and whether it decays. */
export interface ParamUpdate {
  name: string;
  variable: tf.Variable;
  grad: tf.Tensor;
  lr: number;
  decay: boolean;
}

/**
 * SGD with momentum / Nesterov and coupled L2 weight decay, or AdamW with decoupled weight decay,
 * exactly as PyTorch:
 * - SGD: g ← g + λ·w (decay params), b ← μ·b + g, step = nesterov ? g + μ·b : b, w ← w − lr·step;
 * - AdamW: w ← w·(1 − lr·λ) (decay params), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 *   w ← w − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + eps).
 * Per-parameter learning rates (warmup groups) and a per-step momentum (SGD warmup) are passed in.
 * Slots are keyed by parameter name, so `state()`/`loadState()` round-trip through checkpoints.
 */
export class Optimizer {
  readonly config: OptimizerConfig;
  /** Number of `apply` calls so far (AdamW bias correction). */
  steps = 0;
  private readonly slots = new Map<string, tf.Variable>();

  constructor(config: OptimizerConfigInput) {
    this.config = optimizerSchema.parse(config);
  }

  private slot(name: string, like: tf.Tensor): tf.Variable {
    let v = this.slots.get(name);
    if (!v) {
      v = tf.variable(tf.zerosLike(like), false, `optim.${name}.${Math.random().toString(36).slice(2)}`);
      this.slots.set(name, v);
    }
    return v;
  }

  /**
   * Applies one update to every parameter; `momentum` overrides the SGD momentum for this step (warmup). Each
   * parameter's temporaries are freed before the next one's (a tidy per parameter): held to the end they are ~10
   * copies of the model, which for Faster R-CNN R-101 (60.7 M parameters) pushed the wasm heap past its 4 GB.
   */
  apply(params: readonly ParamUpdate[], momentum?: number): void {
    this.steps++;
    const c = this.config;
    for (const p of params)
      tf.tidy(() => {
        const w = p.variable;
        if (c.type === "sgd") {
          const mu = momentum ?? c.momentum;
          let g = p.grad;
          if (p.decay && c.weightDecay > 0) g = tf.add(g, tf.mul(w, c.weightDecay));
          let step = g;
          if (mu > 0) {
            const buf = this.slot(`${p.name}/momentum`, w);
            buf.assign(tf.add(tf.mul(buf, mu), g));
            step = c.nesterov ? tf.add(g, tf.mul(buf, mu)) : buf;
          }
          w.assign(tf.sub(w, tf.mul(step, p.lr)));
        } else {
          const m = this.slot(`${p.name}/m`, w);
          const v = this.slot(`${p.name}/v`, w);
          const base = p.decay && c.weightDecay > 0 ? tf.mul(w, 1 - p.lr * c.weightDecay) : w;
          m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(p.grad, 1 - c.beta1)));
          v.assign(tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(p.grad), 1 - c.beta2)));
          const bc1 = 1 - c.beta1 ** this.steps;
          const bc2 = 1 - c.beta2 ** this.steps;
          const denom = tf.add(tf.sqrt(tf.div(v, bc2)), c.eps);
          w.assign(tf.sub(base, tf.mul(tf.div(tf.div(m, bc1), denom), p.lr)));
        }
      });
  }

  /** Slot tensors by name (`<param>/momentum`, `<param>/m`, `<param>/v`); owned by the optimizer. */
  state(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.slots);
  }

  /** Replaces the slots and the step count (from a checkpoint). */
  loadState(slots: Record<string, tf.Tensor>, steps: number): void {
    this.disposeSlots();
    for (const [k, t] of Object.entries(slots))
      this.slots.set(k, tf.variable(t, false, `optim.${k}.${Math.random().toString(36).slice(2)}`));
    this.steps = steps;
  }

  private disposeSlots(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }

  /** Frees the slot variables. */
  dispose(): void {
    this.disposeSlots();
  }
}
