/**
 * MGD generation block (yzd-v/MGD det/mmdet/distillation/losses/mgd.py `generation`; mmrazor
 * `MGDConnector`): Conv3×3(C→C, bias) → ReLU → Conv3×3(C→C, bias), 'same' padding, no norm.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { ConvAdapter } from "./conv-adapter";

/** Trainable two-conv generation block on NHWC `[N,H,W,C]`; PyTorch default init. */
export class GenerationBlock {
  readonly conv1: ConvAdapter;
  readonly conv2: ConvAdapter;

  constructor(opts: { channels: number; seed?: number; name?: string }) {
    const seed = opts.seed ?? 0;
    const name = opts.name ?? "generation";
    this.conv1 = new ConvAdapter({
      inChannels: opts.channels,
      outChannels: opts.channels,
      kernelSize: 3,
      relu: true,
      seed,
      name: `${name}/0`,
    });
    this.conv2 = new ConvAdapter({
      inChannels: opts.channels,
      outChannels: opts.channels,
      kernelSize: 3,
      seed: seed + 2,
      name: `${name}/2`,
    });
  }

  get variables(): tf.Variable[] {
    return [...this.conv1.variables, ...this.conv2.variables];
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv2.apply(this.conv1.apply(x));
  }

  /** Loads PyTorch `generation.0.{weight,bias}` and `generation.2.{weight,bias}` (OIHW). */
  loadTorch(w0: tf.Tensor, b0: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): void {
    this.conv1.loadTorch(w0, b0);
    this.conv2.loadTorch(w2, b2);
  }

  dispose(): void {
    this.conv1.dispose();
    this.conv2.dispose();
  }
}
