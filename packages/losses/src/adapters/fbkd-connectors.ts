/**
 * FBKD student/teacher connectors (open-mmlab/mmrazor
 * mmrazor/models/architectures/connectors/fbkd_connector.py), trainable.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ConvAdapter, initValues, uniqueName } from "./conv-adapter";
import { NonLocal2d, type NonLocalOptions } from "./non-local";

/** Dense layer `y = x·K + b` (`K` `[in,out]`), PyTorch `nn.Linear` default init. */
export class LinearAdapter {
  readonly kernel: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1>;

  constructor(inF: number, outF: number, seed = 0, name = "linear") {
    const n = uniqueName(name);
    const [w, b] = initValues("torch", inF, inF * outF, outF, seed);
    this.kernel = tf.variable(tf.tensor2d(w, [inF, outF]), true, `${n}/kernel`);
    this.bias = tf.variable(tf.tensor1d(b), true, `${n}/bias`);
  }

  get variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.kernel), this.bias));
  }

  /** Loads PyTorch `weight` `[out,in]` and `bias` `[out]`. */
  loadTorch(weight: tf.Tensor, bias: tf.Tensor): void {
    tf.tidy(() => {
      this.kernel.assign(tf.transpose(weight) as tf.Tensor2D);
      this.bias.assign(tf.reshape(bias, [-1]) as tf.Tensor1D);
    });
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

/** Options shared by the FBKD connectors (non-local settings). */
export type FbkdConnectorOptions = Omit<NonLocalOptions, "name">;

/**
 * Student connector: `adaptation` 1×1 conv C→C on S, `channelAdapt` Linear C→C on mean_{h,w} S,
 * `spatialAdapt` 3×3 conv 1→1 on mean_c S, and `nonLocal` followed by `nonLocalAdapt` 1×1 conv C→C.
 */
export class FbkdStudentConnector {
  readonly adaptation: ConvAdapter;
  readonly channelAdapt: LinearAdapter;
  readonly spatialAdapt: ConvAdapter;
  readonly nonLocal: NonLocal2d;
  readonly nonLocalAdapt: ConvAdapter;

  constructor(o: FbkdConnectorOptions) {
    const c = o.channels;
    const seed = o.seed ?? 0;
    this.adaptation = new ConvAdapter({ inChannels: c, outChannels: c, seed, name: "fbkd_s/adaptation" });
    this.channelAdapt = new LinearAdapter(c, c, seed + 2, "fbkd_s/channel_adapt");
    this.spatialAdapt = new ConvAdapter({
      inChannels: 1,
      outChannels: 1,
      kernelSize: 3,
      seed: seed + 4,
      name: "fbkd_s/spatial_adapt",
    });
    this.nonLocal = new NonLocal2d({ ...o, seed: seed + 6, name: "fbkd_s/non_local" });
    this.nonLocalAdapt = new ConvAdapter({
      inChannels: c,
      outChannels: c,
      seed: seed + 12,
      name: "fbkd_s/non_local_adapt",
    });
  }

  get variables(): tf.Variable[] {
    return [this.adaptation, this.channelAdapt, this.spatialAdapt, this.nonLocal, this.nonLocalAdapt].flatMap(
      (m) => m.variables,
    );
  }

  /** Loads mmrazor's student-connector weights by name (`channel_wise_adaptation.weight`, `non_local.g.bias`, …). */
  loadTorch(w: Record<string, tf.Tensor>): void {
    const get = (k: string) => {
      const t = w[k];
      if (!t) throw new Error(`FbkdStudentConnector.loadTorch: missing ${k}`);
      return t;
    };
    this.adaptation.loadTorch(get("adaptation_layers.weight"), get("adaptation_layers.bias"));
    this.channelAdapt.loadTorch(get("channel_wise_adaptation.weight"), get("channel_wise_adaptation.bias"));
    this.spatialAdapt.loadTorch(get("spatial_wise_adaptation.weight"), get("spatial_wise_adaptation.bias"));
    this.nonLocal.loadTorch(subWeights(w, "non_local."));
    this.nonLocalAdapt.loadTorch(get("non_local_adaptation.weight"), get("non_local_adaptation.bias"));
  }

  dispose(): void {
    [this.adaptation, this.channelAdapt, this.spatialAdapt, this.nonLocal, this.nonLocalAdapt].forEach((m) =>
      m.dispose(),
    );
  }
}

/** Entries of `w` under `prefix`, with the prefix removed. */
export function subWeights(w: Record<string, tf.Tensor>, prefix: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(w)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
