import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import { Neck, type LevelInfo } from "../nn/feature-pyramid";
import { upsampleLike } from "../nn/upsample";

/**
 * FPN (Lin et al., CVPR 2017), as mmdet `FPN` with `add_extra_convs="on_output"` (GFL/ATSS configs), NHWC:
 * l_i = lateral 1×1 conv(c_i); top-down l_{i−1} += nearest-upsample(l_i) to l_{i−1}'s size;
 * p_i = 3×3 conv(l_i); extra levels p6 = 3×3 s2 conv(p5), p7 = 3×3 s2 conv(p6) (no ReLU between).
 * Convs have biases, no norm, xavier-uniform init. Outputs [p3 … p(5+extra)] with `outChannels` each.
 * Children: `lat3`…, `p3`… (the level modules).
 */
export class Fpn extends Neck {
  readonly levels: readonly LevelInfo[];
  private readonly lateral: Conv2d[] = [];
  private readonly output: Conv2d[] = [];
  private readonly extra: Conv2d[] = [];

  constructor(inLevels: readonly LevelInfo[], outChannels: number, extraLevels: number, rng: Rng) {
    super();
    const first = 3;
    inLevels.forEach((l, i) => {
      this.lateral.push(this.child(`lat${first + i}`, new Conv2d(l.channels, outChannels, rng, { kernel: 1, bias: true, init: "xavier" })));
    });
    inLevels.forEach((_, i) => this.output.push(this.child(`p${first + i}`, new Conv2d(outChannels, outChannels, rng, { kernel: 3, bias: true, init: "xavier" }))));
    const levels: LevelInfo[] = inLevels.map((l, i) => ({ name: `p${first + i}`, channels: outChannels, stride: l.stride }));
    let stride = inLevels[inLevels.length - 1]?.stride ?? 32;
    for (let e = 0; e < extraLevels; e++) {
      const name = `p${first + inLevels.length + e}`;
      this.extra.push(this.child(name, new Conv2d(outChannels, outChannels, rng, { kernel: 3, stride: 2, bias: true, init: "xavier" })));
      stride *= 2;
      levels.push({ name, channels: outChannels, stride });
    }
    this.levels = levels;
    this.declareLevels(this.levels);
  }

  protected forward(xs: tf.Tensor4D[]): tf.Tensor4D[] {
    const lat = xs.map((x, i) => (this.lateral[i] as Conv2d).call(x));
    for (let i = lat.length - 1; i > 0; i--) lat[i - 1] = tf.add(lat[i - 1] as tf.Tensor4D, upsampleLike(lat[i] as tf.Tensor4D, lat[i - 1] as tf.Tensor4D));
    const outs = lat.map((l, i) => (this.output[i] as Conv2d).call(l));
    for (const e of this.extra) outs.push(e.call(outs[outs.length - 1] as tf.Tensor4D));
    return outs;
  }
}
