import * as tf from "@tensorflow/tfjs-core";
import { Module, op, type Rng } from "@kdet/core";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Sequential } from "../nn/sequential";
import { DepthwiseSeparable } from "./depthwise-separable";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary, concat, reshape, slice } from "../export/graph-ops";
import { exportMap } from "../export/module-graph";

/**
 * YOLOX's `Conv` choice (Megvii YOLOX `network_blocks.py`): `BaseConv` (k×k conv → BN(eps 1e-3,
 * momentum 0.03) → SiLU) or, when `depthwise`, `DWConv` = depthwise k×k BaseConv (carrying the stride)
 * → pointwise 1×1 BaseConv. NHWC.
 */
export function yoloxConv(
  cin: number,
  cout: number,
  rng: Rng,
  opts: { kernel: number; stride?: number; depthwise?: boolean },
): Module<tf.Tensor4D, tf.Tensor4D> {
  return opts.depthwise
    ? new DepthwiseSeparable(cin, cout, rng, { kernel: opts.kernel, stride: opts.stride, act: "silu" })
    : new ConvBnAct(cin, cout, rng, { kernel: opts.kernel, stride: opts.stride });
}

/**
 * YOLOX `Bottleneck` (expansion 1.0 inside a CSP layer): y = x + conv2(conv1(x)), conv1 1×1 to
 * `channels`, conv2 3×3 ({@link yoloxConv}, depthwise-separable when `depthwise`); residual when
 * `shortcut`. NHWC. Children: `conv1`, `conv2`.
 */
export class CspBottleneck extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv1: ConvBnAct;
  private readonly conv2: Module<tf.Tensor4D, tf.Tensor4D>;

  constructor(
    channels: number,
    rng: Rng,
    private readonly shortcut: boolean,
    depthwise: boolean,
  ) {
    super();
    this.conv1 = this.child("conv1", new ConvBnAct(channels, channels, rng, { kernel: 1 }));
    this.conv2 = this.child("conv2", yoloxConv(channels, channels, rng, { kernel: 3, depthwise }));
  }

  /** Graph export: conv2(conv1(x)) (+ x with the shortcut). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const y = exportMap(this.conv2, this.conv1.exportGraph(x, ctx), ctx);
    return this.shortcut ? binary(ctx.g, scopeOf(this), "AddV2", x, y) : y;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = this.conv2.call(this.conv1.call(x));
    return this.shortcut ? tf.add(x, y) : y;
  }
}

/**
 * YOLOX `CSPLayer` (the C3 block of YOLOv5; Wang et al., CSPNet, CVPRW 2020), NHWC:
 * h = ⌊out/2⌋, out = conv3(concat[m(conv1(x)), conv2(x)]), conv1/conv2 1×1 to h, m = `n` ×
 * {@link CspBottleneck}(h) (children `m.0`, `m.1`, … as YOLOX's state dict), conv3 1×1 from 2h to `out`.
 * Children: `conv1`, `conv2`, `conv3`, `m`.
 */
export class CspLayer extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv1: ConvBnAct;
  private readonly conv2: ConvBnAct;
  private readonly conv3: ConvBnAct;
  private readonly m: Sequential;

  constructor(
    cin: number,
    cout: number,
    rng: Rng,
    opts: { n: number; shortcut?: boolean; depthwise?: boolean },
  ) {
    super();
    const h = Math.trunc(cout / 2);
    this.conv1 = this.child("conv1", new ConvBnAct(cin, h, rng, { kernel: 1 }));
    this.conv2 = this.child("conv2", new ConvBnAct(cin, h, rng, { kernel: 1 }));
    this.conv3 = this.child("conv3", new ConvBnAct(2 * h, cout, rng, { kernel: 1 }));
    this.m = this.child(
      "m",
      new Sequential(
        Array.from(
          { length: opts.n },
          () => new CspBottleneck(h, rng, opts.shortcut ?? true, opts.depthwise ?? false),
        ),
      ),
    );
  }

  /** Graph export: conv3(concat(m(conv1(x)), conv2(x))). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const a = this.m.exportGraph(this.conv1.exportGraph(x, ctx), ctx);
    return this.conv3.exportGraph(concat(ctx.g, scopeOf(this), [a, this.conv2.exportGraph(x, ctx)], 3), ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv3.call(tf.concat([this.m.call(this.conv1.call(x)), this.conv2.call(x)], 3));
  }
}

/**
 * Space-to-depth of YOLOX `Focus`: the four stride-2 phases of NHWC x `[N,H,W,C]` concatenated on channels
 * in YOLOX's order (top-left, bottom-left, top-right, bottom-right) → `[N,H/2,W/2,4C]`:
 * out[n, i, j, q·C + c] = x[n, 2i + dy_q, 2j + dx_q, c], (dy, dx)_q = (0,0), (1,0), (0,1), (1,1).
 * Needs even H and W. Built from reshape + slice (tfjs has no StridedSlice gradient).
 */
export const focusSpaceToDepth = op("focusSpaceToDepth", (x: tf.Tensor4D): tf.Tensor4D => {
  const [n, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`input ${h}×${w} must have even height and width`);
  const x5 = tf.reshape(x, [n, h / 2, 2, w / 2, 2 * c]); // [N, H/2, dy, W/2, (dx, C)]
  const phase = (dy: number, dx: number): tf.Tensor4D =>
    tf.reshape(tf.slice(x5, [0, 0, dy, 0, dx * c], [n, h / 2, 1, w / 2, c]), [n, h / 2, w / 2, c]);
  return tf.concat([phase(0, 0), phase(1, 0), phase(0, 1), phase(1, 1)], 3);
});

/** YOLOX `Focus` stem: {@link focusSpaceToDepth} then a k×k BaseConv (4C → `cout`). NHWC. Children: `conv`. */
export class Focus extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv: ConvBnAct;

  constructor(cin: number, cout: number, rng: Rng, kernel = 3) {
    super();
    this.conv = this.child("conv", new ConvBnAct(4 * cin, cout, rng, { kernel }));
  }

  /**
   * Graph export: conv(space-to-depth(x)) with the space-to-depth of {@link focusSpaceToDepth}:
   * x5 = reshape(x, [N, H/2, 2, W/2, 2C]), phase(dy, dx) = x5[:, :, dy, :, dx·C:(dx+1)·C], phases (0,0), (1,0),
   * (0,1), (1,1) concatenated on channels.
   */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const s = scopeOf(this);
    const [, h, w, c] = x.shape as [number, number, number, number];
    if (h % 2 !== 0 || w % 2 !== 0)
      throw new Error(`exportGraphModel: Focus "${s}" needs even input height and width, got ${h}×${w}`);
    const x5 = reshape(ctx.g, s, x, [-1, h / 2, 2, w / 2, 2 * c]);
    const phase = (dy: number, dx: number): Sym =>
      reshape(ctx.g, s, slice(ctx.g, s, x5, [0, 0, dy, 0, dx * c], [-1, h / 2, 1, w / 2, c]), [
        -1,
        h / 2,
        w / 2,
        c,
      ]);
    return this.conv.exportGraph(
      concat(ctx.g, s, [phase(0, 0), phase(1, 0), phase(0, 1), phase(1, 1)], 3),
      ctx,
    );
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.call(focusSpaceToDepth(x));
  }
}
