/**
 * Non-local block (mmcv `NonLocal2d`, wrapped by mmrazor's `NonLocal2dMaxpoolNstride`) for FBKD.
 * Reference: open-mmlab/mmcv 2.x mmcv/cnn/bricks/non_local.py; open-mmlab/mmrazor
 * mmrazor/models/architectures/connectors/fbkd_connector.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BatchNormTrain } from "./batch-norm";
import { ConvAdapter } from "./conv-adapter";

/** Options of {@link NonLocal2d}. */
export interface NonLocalOptions {
  channels: number;
  /** C' = max(⌊C/reduction⌋, 1). Default 2. */
  reduction?: number;
  /** `dot_product` (FBKD) or `embedded_gaussian`. Default `dot_product`. */
  mode?: "dot_product" | "embedded_gaussian";
  /** Max-pool φ and g (2×2, then maxpoolStride×maxpoolStride — the reference pools twice). Default true. */
  subSample?: boolean;
  /** Second pool size/stride. Default 2. */
  maxpoolStride?: number;
  /** Zero-initialise the output BN γ (reference `zeros_init`). Default true. */
  zerosInit?: boolean;
  seed?: number;
  name?: string;
}

/** 'valid' max-pool of size = stride = k (floor), skipped when the map is smaller than k. */
function pool(x: tf.Tensor4D, k: number): tf.Tensor4D {
  return x.shape[1] >= k && x.shape[2] >= k && k > 1 ? tf.maxPool(x, k, k, "valid") : x;
}

/**
 * `out = x + BN(Conv1×1_noBias(y))` with `y = f(θ(x), φ(x))·g(x)` on NHWC `[N,H,W,C]`. θ, φ, g:
 * 1×1 convs C→C' with bias. `dot_product`: `f = θφᵀ / #φ-positions`; `embedded_gaussian`:
 * `f = softmax(θφᵀ/√C')`. With `subSample`, φ and g are max-pooled 2×2 and then
 * maxpoolStride×maxpoolStride (floor; mmcv + mmrazor both add a pool). BN in training mode
 * ({@link BatchNormTrain}). Init as mmcv: θ/φ/g normal σ 0.01, zero bias; output BN γ = 0.
 * Deliberate difference: a pool larger than the map is skipped (PyTorch raises).
 */
export class NonLocal2d {
  readonly theta: ConvAdapter;
  readonly phi: ConvAdapter;
  readonly g: ConvAdapter;
  readonly convOut: ConvAdapter;
  readonly bn: BatchNormTrain;
  readonly inter: number;
  private readonly opts: Required<Pick<NonLocalOptions, "mode" | "subSample" | "maxpoolStride">>;

  constructor(o: NonLocalOptions) {
    const c = o.channels;
    this.inter = Math.max(Math.floor(c / (o.reduction ?? 2)), 1);
    const seed = o.seed ?? 0;
    const name = o.name ?? "non_local";
    const conv = (k: string, s: number) =>
      new ConvAdapter({
        inChannels: c,
        outChannels: this.inter,
        init: { std: 0.01 },
        seed: seed + s,
        name: `${name}/${k}`,
      });
    this.theta = conv("theta", 0);
    this.phi = conv("phi", 1);
    this.g = conv("g", 2);
    this.convOut = new ConvAdapter({
      inChannels: this.inter,
      outChannels: c,
      bias: false,
      init: { std: 0.01 },
      seed: seed + 3,
      name: `${name}/conv_out`,
    });
    this.bn = new BatchNormTrain(c, { gamma: o.zerosInit === false ? 1 : 0, name: `${name}/bn` });
    this.opts = {
      mode: o.mode ?? "dot_product",
      subSample: o.subSample ?? true,
      maxpoolStride: o.maxpoolStride ?? 2,
    };
  }

  get variables(): tf.Variable[] {
    return [
      ...this.theta.variables,
      ...this.phi.variables,
      ...this.g.variables,
      ...this.convOut.variables,
      ...this.bn.variables,
    ];
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const sub = (t: tf.Tensor4D) => (this.opts.subSample ? pool(pool(t, 2), this.opts.maxpoolStride) : t);
      const theta = tf.reshape(this.theta.apply(x), [n, h * w, this.inter]);
      const phiMap = sub(this.phi.apply(x));
      const m = phiMap.shape[1] * phiMap.shape[2];
      const phi = tf.reshape(phiMap, [n, m, this.inter]);
      const g = tf.reshape(sub(this.g.apply(x)), [n, m, this.inter]);
      const logits = tf.matMul(theta, phi, false, true);
      const pair =
        this.opts.mode === "dot_product"
          ? tf.div(logits, m)
          : tf.softmax(tf.div(logits, Math.sqrt(this.inter)));
      const y = tf.reshape(tf.matMul(pair, g), [n, h, w, this.inter]) as tf.Tensor4D;
      return tf.add(x, this.bn.apply(this.convOut.apply(y)));
    });
  }

  /** Loads PyTorch weights by sub-name: `{theta,phi,g}.{weight,bias}`, `conv_out.weight`, `conv_out.bn.{weight,bias}`. */
  loadTorch(w: Record<string, tf.Tensor>): void {
    const get = (k: string) => {
      const t = w[k];
      if (!t) throw new Error(`NonLocal2d.loadTorch: missing ${k}`);
      return t;
    };
    for (const [k, conv] of [
      ["theta", this.theta],
      ["phi", this.phi],
      ["g", this.g],
    ] as const)
      conv.loadTorch(get(`${k}.weight`), get(`${k}.bias`));
    this.convOut.loadTorch(get("conv_out.weight"));
    this.bn.loadTorch(get("conv_out.bn.weight"), get("conv_out.bn.bias"));
  }

  dispose(): void {
    [this.theta, this.phi, this.g, this.convOut, this.bn].forEach((m) => m.dispose());
  }
}
