/**
 * Convolutions with BatchNorm folded in, for the graph export (inference mode, running statistics):
 *   W'[…, o] = W[…, o]·s_o,  b'_o = (b_o − μ_o)·s_o + β_o,  s_o = γ_o / √(σ²_o + eps)
 * (Ioffe & Szegedy 2015; the folding of ultralytics `fuse_conv_and_bn`). Filters are HWIO; the output channel of a
 * flat filter index is `index mod outChannels`. The layer types are structural so the layers can call these
 * helpers from their own `exportGraph`.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { scopeOf, values, type AnyModule, type ExportContext } from "./export-context";
import type { Sym } from "./graph-def";
import { conv2d } from "./graph-ops";

/** The parts of a BatchNorm the folding reads. */
export interface FoldableBatchNorm {
  gamma: tf.Tensor;
  beta: tf.Tensor;
  runningMean: tf.Tensor;
  runningVar: tf.Tensor;
  eps: number;
}

/** The parts of a convolution the export reads. */
export interface ExportableConv {
  weight: tf.Tensor;
  bias: tf.Tensor | undefined;
  stride: number;
  padding: number;
  depthwise: boolean;
  inChannels: number;
  outChannels: number;
}

/** BN scale s = γ/√(σ²+eps) and shift β − μ·s (float64, stored float32 by the callers). */
export function bnAffine(bn: FoldableBatchNorm): { scale: Float64Array; shift: Float64Array } {
  const [g, b, mu, v] = [bn.gamma, bn.beta, bn.runningMean, bn.runningVar].map(values) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const scale = new Float64Array(g.length);
  const shift = new Float64Array(g.length);
  for (let c = 0; c < g.length; c++) {
    scale[c] = (g[c] as number) / Math.sqrt((v[c] as number) + bn.eps);
    shift[c] = (b[c] as number) - (mu[c] as number) * (scale[c] as number);
  }
  return { scale, shift };
}

/** `conv(x) (+ bias)` with an optional BatchNorm folded in; constants owned by the conv module. */
export function convWithBn(
  conv: ExportableConv & AnyModule,
  x: Sym,
  ctx: ExportContext,
  bn?: FoldableBatchNorm,
): Sym {
  const out = conv.depthwise ? conv.inChannels : conv.outChannels;
  const w = ctx.constOf(conv, bn ? "folded_weight" : "weight", () => {
    const data = values(conv.weight);
    if (bn) {
      const { scale } = bnAffine(bn);
      for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * (scale[i % out] as number);
    }
    return { data, shape: conv.weight.shape };
  });
  const hasBias = bn !== undefined || conv.bias !== undefined;
  const bias = hasBias
    ? ctx.constOf(conv, bn ? "folded_bias" : "bias", () => {
        const b = conv.bias ? values(conv.bias) : new Float32Array(out);
        if (!bn) return { data: b, shape: [out] };
        const { scale, shift } = bnAffine(bn);
        return {
          data: Float32Array.from(b, (v, c) => v * (scale[c] as number) + (shift[c] as number)),
          shape: [out],
        };
      })
    : undefined;
  return conv2d(ctx.g, scopeOf(conv), x, w, {
    stride: conv.stride,
    padding: conv.padding,
    depthwise: conv.depthwise,
    bias,
  });
}
