/**
 * Cost of a model: parameters, GFLOPs at an input size and inference time per image on this
 * machine. GFLOPs are counted from the kernels a forward pass actually runs (`tf.profile`), as
 * 2 × multiply-accumulates of the convolutions and matrix products — the convention of
 * ultralytics/thop (YOLOv8n at 640: 8.7 GFLOPs); element-wise ops are not counted.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Detector } from "../detector";
import type { PostprocessOptions } from "../heads/postprocess";
import { namedVariables } from "../io/named-variables";
import { loadDetector } from "../io/tfjs-weights";
import { isTraining } from "../nn/training-mode";

/** Parameters, GFLOPs and ms per image of one model. */
export interface ModelCost {
  params: number;
  gflops: number;
  /** Median inference time per image (forward + decode + NMS), batch 1. */
  msPerImage: number;
}

/** Number of trainable parameters (BatchNorm running statistics excluded), as counted by PyTorch/ultralytics. */
export function countParams(model: Detector): number {
  return namedVariables(model)
    .filter((v) => v.kind !== "buffer")
    .reduce((a, v) => a + v.variable.size, 0);
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Multiply-accumulates of one profiled kernel (0 for kernels that are not convolutions or matmuls). */
export function kernelMacs(
  name: string,
  inputShapes: ReadonlyArray<readonly number[]>,
  outputShapes: ReadonlyArray<readonly number[]>,
): number {
  const out = outputShapes[0];
  const w = inputShapes[1];
  if (!out || !w) return 0;
  switch (name) {
    case "Conv2D":
    case "FusedConv2D":
      // filter [kh, kw, cin, cout]; output [n, oh, ow, cout]
      return prod(out) * (w[0]! * w[1]! * w[2]!);
    case "DepthwiseConv2dNative":
    case "FusedDepthwiseConv2D":
      // filter [kh, kw, cin, mult]; output [n, oh, ow, cin·mult]
      return prod(out) * (w[0]! * w[1]!);
    case "BatchMatMul":
    case "_FusedMatMul": {
      // out [B, m, n], a [B, m, k] (or transposed): k = |a|·n / |out|
      const n = out[out.length - 1] ?? 0;
      return prod(out) > 0 ? prod(out) * ((prod(inputShapes[0]!) * n) / prod(out)) : 0;
    }
    default:
      return 0;
  }
}

/** GFLOPs (2 × MACs / 1e9) of one forward pass of `model` on a `[1, size, size, 3]` input. */
export async function countGflops(model: Detector, size: number): Promise<number> {
  const x = tf.zeros([1, size, size, 3]) as tf.Tensor4D;
  try {
    // the forward pass' intermediates belong to the caller's scope (Detector contract): tidy them here
    const info = await tf.profile(() =>
      tf.tidy(() =>
        Object.values(model.call(x) as unknown as Record<string, tf.Tensor | tf.Tensor[]>).flat(),
      ),
    );
    let macs = 0;
    for (const k of info.kernels)
      macs += kernelMacs(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
    tf.dispose(info.result as tf.Tensor[]);
    return (2 * macs) / 1e9;
  } finally {
    x.dispose();
  }
}

/** Median ms per image of `model.predict` on one `[1, size, size, 3]` image (after `warmup` runs). */
export async function timeInference(
  model: Detector,
  size: number,
  opts: PostprocessOptions = {},
  runs = 5,
  warmup = 2,
): Promise<number> {
  const x = tf.randomUniform([1, size, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const wasTraining = isTraining(model);
  model.train(false);
  try {
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      await model.predict(x, opts);
      if (i >= warmup) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    x.dispose();
    model.train(wasTraining);
  }
}

/** Parameters, GFLOPs and inference time of `model` at `size`. */
export async function modelCost(
  model: Detector,
  size: number,
  opts: PostprocessOptions = {},
): Promise<ModelCost> {
  const wasTraining = isTraining(model);
  model.train(false);
  const gflops = await countGflops(model, size);
  model.train(wasTraining);
  return { params: countParams(model), gflops, msPerImage: await timeInference(model, size, opts) };
}

/**
 * Median ms per image (batch 1, forward + decode + NMS) of the models saved in `folders` (label →
 * model folder), measured round-robin — one run of each model per round — so that a change of
 * machine load during the measurement affects every model alike.
 */
export async function timeInterleaved(
  folders: Record<string, string>,
  size: number,
  opts: PostprocessOptions = {},
  rounds = 7,
): Promise<Record<string, number>> {
  const models = await Promise.all(
    Object.entries(folders).map(
      async ([label, dir]) => [label, (await loadDetector(dir)).train(false)] as const,
    ),
  );
  const x = tf.randomUniform([1, size, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  try {
    const times: Record<string, number[]> = Object.fromEntries(models.map(([l]) => [l, []]));
    for (let r = 0; r < rounds + 1; r++) {
      for (const [label, m] of models) {
        const t0 = performance.now();
        await m.predict(x, opts);
        if (r > 0) times[label]!.push(performance.now() - t0);
      }
    }
    return Object.fromEntries(
      Object.entries(times).map(([l, ts]) => [l, [...ts].sort((a, b) => a - b)[Math.floor(ts.length / 2)]!]),
    );
  } finally {
    x.dispose();
    for (const [, m] of models) m.dispose();
  }
}
