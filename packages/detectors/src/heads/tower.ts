import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import { GroupNorm } from "../nn/group-norm";
import { PerLevel } from "../nn/per-level";
import { Sequential } from "../nn/sequential";
import { scopeOf, values, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary, unary } from "../export/graph-ops";

/** Options of one tower conv. */
export interface HeadConvOptions {
  /** GroupNorm groups after the conv (omit: no norm, as RetinaNet's towers). */
  groups?: number;
  /** Conv bias (mmdet ConvModule `bias="auto"`: off with a norm, on without; FCOS `conv_bias=True` forces it on). */
  bias?: boolean;
}

/**
 * One dense-head tower layer, mmdet `ConvModule(3×3, norm_cfg, act=ReLU)`: conv 3×3 (weights
 * N(0, 0.01²), bias 0; mmdet dense-head `normal_init`) → optional GroupNorm → ReLU, NHWC.
 * Children: `conv`, `gn` (when normed).
 */
export class HeadConv extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv: Conv2d;
  private readonly gn: GroupNorm | undefined;
  constructor(cin: number, cout: number, rng: Rng, opts: HeadConvOptions = {}) {
    super();
    const bias = opts.bias ?? opts.groups === undefined;
    this.conv = this.child("conv", new Conv2d(cin, cout, rng, { kernel: 3, bias, init: "normal0.01" }));
    this.gn = opts.groups === undefined ? undefined : this.child("gn", new GroupNorm(opts.groups, cout));
  }
  /** Graph export: relu(gn(conv(x))) (no GN when the tower has none). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const y = this.conv.exportGraph(x, ctx);
    return unary(ctx.g, scopeOf(this), "Relu", this.gn ? this.gn.exportGraph(y, ctx) : y);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = this.conv.call(x);
    return tf.relu(this.gn ? this.gn.call(y) : y);
  }
}

/** A tower of `stacked` {@link HeadConv}s (`cin` → `feat` → … → `feat`), children "0", "1", …. */
export function headTower(
  cin: number,
  feat: number,
  stacked: number,
  rng: Rng,
  opts: HeadConvOptions = {},
): Sequential {
  return new Sequential(
    Array.from({ length: stacked }, (_, i) => new HeadConv(i === 0 ? cin : feat, feat, rng, opts)),
  );
}

/** A learnable scalar multiplier y = s·x (mmdet `Scale`, init 1). Parameter: `scale`. */
export class Scale extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly scale = this.param(tf.scalar(1), "scale");
  /** Graph export: x · scale. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const k = ctx.constOf(this, "scale", () => ({ data: values(this.scale), shape: [] }));
    return binary(ctx.g, scopeOf(this), "Mul", x, k);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, this.scale);
  }
}

/**
 * One level's view of modules shared across levels (towers, output convs, that level's scale):
 * y = act(m_k(…m_1(x))), act none, ReLU or exp. The steps are NOT children (their owner registers
 * them once), so the view adds no variables; its output is that level's raw map and is tappable (`head.cls.p3`).
 */
export class LevelView extends Module<tf.Tensor4D, tf.Tensor4D> {
  constructor(
    private readonly steps: ReadonlyArray<Module<tf.Tensor4D, tf.Tensor4D>>,
    private readonly act?: "relu" | "exp",
  ) {
    super();
  }
  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    let y = x;
    for (const m of this.steps) y = m.call(y);
    return this.act === "relu" ? tf.relu(y) : this.act === "exp" ? tf.exp(y) : y;
  }
}

/**
 * Per-level views (children named after the levels: `p3`, …) built by `make(i)`, each declaring
 * `channels` and its level's stride as output info, so `featureInfo` lists them.
 */
export function levelViews(
  levels: readonly LevelInfo[],
  channels: number,
  make: (i: number) => LevelView,
): PerLevel {
  return new PerLevel(
    levels.map((l, i) => {
      const v = make(i);
      v.outputInfo = { channels, stride: l.stride };
      return [l.name, v] as [string, LevelView];
    }),
  );
}

/** Bias of a sigmoid classifier whose initial probability is `prior` (Lin et al. 2017 §4.1; mmdet `bias_init_with_prob`): −log((1 − p)/p). */
export function priorBias(prior = 0.01): number {
  return -Math.log((1 - prior) / prior);
}
