import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import { Neck, type LevelInfo } from "../nn/feature-pyramid";
import { upsampleLike } from "../nn/upsample";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary, maxPool, unary } from "../export/graph-ops";
import { resizeLike } from "../export/module-graph";

/** Where the extra (stride-2) FPN levels start, mmdet `add_extra_convs` / `relu_before_extra_convs`. */
export interface FpnExtraOptions {
  /** `"output"` (p6 from p5, default) or `"input"` (p6 from c5, RetinaNet). */
  extraFrom?: "output" | "input";
  /** ReLU before every extra conv after the first (default false). */
  reluBeforeExtra?: boolean;
  /**
   * `"conv"` (3×3 stride-2 convs, default) or `"maxpool"`: every extra level is a parameter-free 1×1 stride-2
   * max-pool of the previous output (mmdet `add_extra_convs=False`, `F.max_pool2d(outs[-1], 1, stride=2)`: Faster R-CNN's P6).
   */
  extraKind?: "conv" | "maxpool";
}

/** A 1×1 stride-2 max-pool, i.e. every second row and column starting at 0: out = ⌈in/2⌉ (mmdet FPN P6 without extra convs). */
export class Subsample2 extends Module<tf.Tensor4D, tf.Tensor4D> {
  /** Graph export: MaxPool window 1, stride 2, VALID. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    return maxPool(ctx.g, scopeOf(this), x, 1, 2, "VALID");
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.maxPool(x, 1, 2, "valid");
  }
}

/**
 * FPN (Lin et al., CVPR 2017), as mmdet `FPN` (`start_level=1`), NHWC:
 * l_i = lateral 1×1 conv(c_i); top-down l_{i−1} += nearest-upsample(l_i) to l_{i−1}'s size;
 * p_i = 3×3 conv(l_i); extra levels p6 = 3×3 s2 conv(src), p7 = 3×3 s2 conv(p6), where src = p5
 * (`add_extra_convs="on_output"`, the default: GFL/ATSS/FCOS) or c5 (`"on_input"`: RetinaNet), and
 * `reluBeforeExtra` applies ReLU to p6 before the p7 conv (mmdet `relu_before_extra_convs`; FCOS: on);
 * with `extraKind` "maxpool" each extra level is {@link Subsample2} of the previous output instead.
 * Convs have biases, no norm, xavier-uniform init. Outputs [p_k … p(5+extra)] with `outChannels` each, where
 * k = log2 of the first input's stride (3 for C3–C5, 2 for C2–C5).
 * Children: `lat3`…, `p3`… (the level modules).
 */
export class Fpn extends Neck {
  readonly levels: readonly LevelInfo[];
  private readonly lateral: Conv2d[] = [];
  private readonly output: Conv2d[] = [];
  private readonly extra: Array<Conv2d | Subsample2> = [];
  private readonly extraOpts: Required<FpnExtraOptions>;

  constructor(
    inLevels: readonly LevelInfo[],
    outChannels: number,
    extraLevels: number,
    rng: Rng,
    opts: FpnExtraOptions = {},
  ) {
    super();
    this.extraOpts = {
      extraFrom: opts.extraFrom ?? "output",
      reluBeforeExtra: opts.reluBeforeExtra ?? false,
      extraKind: opts.extraKind ?? "conv",
    };
    const first = Math.round(Math.log2(inLevels[0]?.stride ?? 8));
    inLevels.forEach((l, i) => {
      this.lateral.push(
        this.child(
          `lat${first + i}`,
          new Conv2d(l.channels, outChannels, rng, { kernel: 1, bias: true, init: "xavier" }),
        ),
      );
    });
    inLevels.forEach((_, i) =>
      this.output.push(
        this.child(
          `p${first + i}`,
          new Conv2d(outChannels, outChannels, rng, { kernel: 3, bias: true, init: "xavier" }),
        ),
      ),
    );
    const levels: LevelInfo[] = inLevels.map((l, i) => ({
      name: `p${first + i}`,
      channels: outChannels,
      stride: l.stride,
    }));
    let stride = inLevels[inLevels.length - 1]?.stride ?? 32;
    for (let e = 0; e < extraLevels; e++) {
      const name = `p${first + inLevels.length + e}`;
      const cin =
        e === 0 && this.extraOpts.extraFrom === "input"
          ? (inLevels[inLevels.length - 1]?.channels ?? outChannels)
          : outChannels;
      this.extra.push(
        this.child(
          name,
          this.extraOpts.extraKind === "maxpool"
            ? new Subsample2()
            : new Conv2d(cin, outChannels, rng, { kernel: 3, stride: 2, bias: true, init: "xavier" }),
        ),
      );
      stride *= 2;
      levels.push({ name, channels: outChannels, stride });
    }
    this.levels = levels;
    this.declareLevels(this.levels);
  }

  /** Graph export: laterals, top-down sums with nearest upsampling, output convs, extra levels, as `forward`. */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    const s = scopeOf(this);
    const lat = xs.map((x, i) => (this.lateral[i] as Conv2d).exportGraph(x, ctx));
    for (let i = lat.length - 1; i > 0; i--)
      lat[i - 1] = binary(
        ctx.g,
        `${s}/td${2 + i}`,
        "AddV2",
        lat[i - 1] as Sym,
        resizeLike(ctx, `${s}/up${3 + i}`, lat[i] as Sym, lat[i - 1] as Sym),
      );
    const outs = lat.map((l, i) => (this.output[i] as Conv2d).exportGraph(l, ctx));
    this.extra.forEach((e, i) => {
      const src = (
        i === 0 && this.extraOpts.extraFrom === "input" ? xs[xs.length - 1] : outs[outs.length - 1]
      ) as Sym;
      const name = this.levels[xs.length + i]?.name;
      outs.push(
        e.exportGraph(
          i > 0 && this.extraOpts.reluBeforeExtra ? unary(ctx.g, `${s}/${name}`, "Relu", src) : src,
          ctx,
        ),
      );
    });
    return outs;
  }

  protected forward(xs: tf.Tensor4D[]): tf.Tensor4D[] {
    const lat = xs.map((x, i) => (this.lateral[i] as Conv2d).call(x));
    for (let i = lat.length - 1; i > 0; i--)
      lat[i - 1] = tf.add(
        lat[i - 1] as tf.Tensor4D,
        upsampleLike(lat[i] as tf.Tensor4D, lat[i - 1] as tf.Tensor4D),
      );
    const outs = lat.map((l, i) => (this.output[i] as Conv2d).call(l));
    this.extra.forEach((e, i) => {
      const src = (
        i === 0 && this.extraOpts.extraFrom === "input" ? xs[xs.length - 1] : outs[outs.length - 1]
      ) as tf.Tensor4D;
      outs.push(e.call(i > 0 && this.extraOpts.reluBeforeExtra ? tf.relu(src) : src));
    });
    return outs;
  }
}
