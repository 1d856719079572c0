/**
 * Trainable convolutional align adapter (FitNets regressor / mmrazor `ConvModuleConnector` without norm).
 *
 * `y = relu?(conv2d(x, W, 'same') + b?)` on NHWC `[N,H,W,Cin]` → `[N,H,W,Cout]`, filter HWIO
 * `[k,k,Cin,Cout]`, stride 1. Default initialisation matches PyTorch's `nn.Conv2d`
 * (kaiming-uniform with a = √5 → U(−1/√fanIn, 1/√fanIn) for both weight and bias), drawn from a
 * seeded generator so runs are reproducible; see `init` for the others. `loadTorch` loads
 * PyTorch OIHW weights.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";

/** Options of {@link ConvAdapter}. */
export interface ConvAdapterOptions {
  inChannels: number;
  outChannels: number;
  /** Square kernel size (1 or 3); padding is 'same'. Default 1. */
  kernelSize?: 1 | 3;
  /** Add a bias. Default true (PyTorch default). */
  bias?: boolean;
  /** Apply ReLU after the conv. Default false. */
  relu?: boolean;
  /** Seed of the init draw. Default 0. */
  seed?: number;
  /** Variable name prefix (must be unique across live variables). */
  name?: string;
  /**
   * Initialisation: `torch` (default: PyTorch `nn.Conv2d` kaiming-uniform, bias too), `zeros`,
   * or `{ std, truncate? }`: normal(0, std) weights (values beyond ±truncate·std redrawn), zero
   * bias (FGFI: std 1e-4; DeFeat: std 1e-4, truncate 2; mmcv `kaiming_init`: std √(2/fanIn)).
   */
  init?: ConvInit;
}

/** Weight initialisation of a {@link ConvAdapter}. */
export type ConvInit = "torch" | "zeros" | { std: number; truncate?: number };

let counter = 0;

/** `base` plus a process-wide counter, so adapter variable names never collide. */
export function uniqueName(base: string): string {
  return `${base}_${counter++}`;
}

/** Deterministic uniform draw in [lo, hi), `n` values (core's seeded {@link Rng}). */
export function seededUniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** Deterministic normal(0, std) draw (core's seeded {@link Rng}), redrawing beyond ±truncate·std. */
export function seededNormal(n: number, std: number, seed: number, truncate = Infinity): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0, tries = 0; i < n; tries++) {
    if (tries > 4 * n + 16) throw new Error("seededNormal: truncation rejected too many draws");
    const z = rng.normal();
    if (Math.abs(z) <= truncate) out[i++] = z * std;
  }
  return out;
}

/** Initial weight and bias values for `init` (see {@link ConvAdapterOptions.init}). */
export function initValues(
  init: ConvInit,
  fanIn: number,
  nWeight: number,
  nBias: number,
  seed: number,
): [Float32Array, Float32Array] {
  if (init === "zeros") return [new Float32Array(nWeight), new Float32Array(nBias)];
  if (init === "torch") {
    const bound = 1 / Math.sqrt(fanIn);
    return [seededUniform(nWeight, -bound, bound, seed), seededUniform(nBias, -bound, bound, seed + 1)];
  }
  return [seededNormal(nWeight, init.std, seed, init.truncate), new Float32Array(nBias)];
}

/** A 1×1 / 3×3 conv with optional bias and ReLU, owning its trainable variables. */
export class ConvAdapter {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: 1 | 3;
  readonly relu: boolean;
  /** Filter HWIO `[k,k,Cin,Cout]`. */
  readonly weight: tf.Variable<tf.Rank.R4>;
  /** Bias `[Cout]`, or null. */
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(opts: ConvAdapterOptions) {
    this.inChannels = opts.inChannels;
    this.outChannels = opts.outChannels;
    this.kernelSize = opts.kernelSize ?? 1;
    this.relu = opts.relu ?? false;
    const k = this.kernelSize;
    const name = uniqueName(opts.name ?? "conv_adapter");
    const seed = opts.seed ?? 0;
    const [w, b] = initValues(
      opts.init ?? "torch",
      opts.inChannels * k * k,
      k * k * opts.inChannels * opts.outChannels,
      opts.outChannels,
      seed,
    );
    this.weight = tf.variable(
      tf.tensor4d(w, [k, k, opts.inChannels, opts.outChannels]),
      true,
      `${name}/weight`,
    );
    this.bias = opts.bias === false ? null : tf.variable(tf.tensor1d(b), true, `${name}/bias`);
  }

  /** Trainable variables (weight, then bias when present). */
  get variables(): tf.Variable[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** NHWC `[N,H,W,Cin]` → `[N,H,W,Cout]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y: tf.Tensor4D = tf.conv2d(x, this.weight, 1, "same");
      if (this.bias) y = tf.add(y, this.bias);
      return this.relu ? tf.relu(y) : y;
    });
  }

  /** Loads PyTorch weights: `weight` OIHW `[Cout,Cin,k,k]`, optional `bias` `[Cout]`. */
  loadTorch(weight: tf.Tensor, bias?: tf.Tensor): void {
    const [o, i, kh, kw] = weight.shape;
    if (o !== this.outChannels || i !== this.inChannels || kh !== this.kernelSize || kw !== this.kernelSize) {
      throw new Error(
        `ConvAdapter.loadTorch: weight shape [${weight.shape.join(",")}] does not fit this adapter`,
      );
    }
    tf.tidy(() => this.weight.assign(tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D));
    if (bias !== undefined) {
      if (!this.bias) throw new Error("ConvAdapter.loadTorch: adapter has no bias");
      tf.tidy(() => this.bias!.assign(tf.reshape(bias, [this.outChannels]) as tf.Tensor1D));
    }
  }

  /** Frees the variables. */
  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}

/**
 * The 1×1 align conv `C_s → C` that FGD, MGD and FSD put on the student (mmrazor/FGD `align`), or `null` when
 * the student already has the teacher's channel count (or does not say).
 */
export function alignConv(
  studentChannels: number | undefined,
  teacherChannels: number,
  seed: number,
  name: string,
): ConvAdapter | null {
  return studentChannels !== undefined && studentChannels !== teacherChannels
    ? new ConvAdapter({ inChannels: studentChannels, outChannels: teacherChannels, seed, name })
    : null;
}
