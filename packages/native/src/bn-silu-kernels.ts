import type * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon";
import { type KernelCall, float32Input, float32View } from "./wasm-heap";

/**
 * Kernel names of the fused BatchNorm + SiLU pair. @kdet/core's `batchNormSilu` runs them through
 * `engine().runKernel` when they are registered on the active backend, else composes tf ops.
 */
export const BN_SILU_FORWARD = "KdetBatchNormSilu";
/** See `BN_SILU_FORWARD`. */
export const BN_SILU_BACKWARD = "KdetBatchNormSiluGrad";

/** Rows m = N·H·W and channels C of an NHWC (or any channels-last) tensor shape. */
function rowsAndChannels(shape: readonly number[]): [number, number] {
  const c = shape[shape.length - 1] ?? 1;
  let m = 1;
  for (let i = 0; i < shape.length - 1; i++) m *= shape[i]!;
  return [m, c];
}

/**
 * Training-mode BatchNorm (batch statistics over all axes but the last) + SiLU, NHWC:
 * inputs x, gamma, beta; attr eps. Outputs [out, mean, inv] with `inv = 1/√(var + eps)` (two-pass
 * variance) and `out = z·σ(z)`, `z = (x − mean)·γ·inv + β` (Ioffe & Szegedy 2015, §3).
 * Backward: inputs dy, x, gamma, beta, mean, inv; outputs [dx, dgamma, dbeta] with
 * `g = dy·(σ + z·σ·(1 − σ))`, `dβ = Σg`, `S = Σg·(x − mean)`, `dγ = S·inv`,
 * `dx = a·g − a·dβ/m − (x − mean)·a·inv²·S/m`, `a = γ·inv`, m = rows. One pass for each statistic,
 * one to write; both threaded (OpenMP) and vectorised.
 */
export function nativeBnSiluKernels(
  addon: NativeAddon,
): Record<string, (call: KernelCall) => tf.TensorInfo[]> {
  return {
    [BN_SILU_FORWARD]: (call) => {
      const k = BN_SILU_FORWARD;
      const x = float32Input(call, k, "x");
      const gamma = float32Input(call, k, "gamma");
      const beta = float32Input(call, k, "beta");
      const eps = Number((call.attrs as { eps?: number } | undefined)?.eps ?? 1e-3);
      const [m, c] = rowsAndChannels(x.shape);
      const b = call.backend;
      const out = b.makeOutput([...x.shape], "float32");
      const mean = b.makeOutput([c], "float32");
      const inv = b.makeOutput([c], "float32");
      const v = (t: tf.TensorInfo) => float32View(b, t);
      addon.bnSiluForward(v(x), v(gamma), v(beta), eps, m, c, v(out), v(mean), v(inv));
      return [out, mean, inv];
    },
    [BN_SILU_BACKWARD]: (call) => {
      const k = BN_SILU_BACKWARD;
      const names = ["dy", "x", "gamma", "beta", "mean", "inv"] as const;
      const [dy, x, gamma, beta, mean, inv] = names.map((n) => float32Input(call, k, n)) as [
        tf.TensorInfo,
        tf.TensorInfo,
        tf.TensorInfo,
        tf.TensorInfo,
        tf.TensorInfo,
        tf.TensorInfo,
      ];
      const [m, c] = rowsAndChannels(x.shape);
      const b = call.backend;
      const dx = b.makeOutput([...x.shape], "float32");
      const dgamma = b.makeOutput([c], "float32");
      const dbeta = b.makeOutput([c], "float32");
      const v = (t: tf.TensorInfo) => float32View(b, t);
      addon.bnSiluBackward(v(dy), v(x), v(gamma), v(beta), v(mean), v(inv), m, c, v(dx), v(dgamma), v(dbeta));
      return [dx, dgamma, dbeta];
    },
  };
}
