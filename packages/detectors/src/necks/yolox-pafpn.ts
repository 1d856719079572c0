import * as tf from "@tensorflow/tfjs-core";
import type { Module, Rng } from "@kdet/core";
import { CspLayer, yoloxConv } from "../blocks/yolox-blocks";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Neck, type LevelInfo } from "../nn/feature-pyramid";
import { upsampleLike } from "../nn/upsample";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { exportMap, resizeLike } from "../export/module-graph";
import { concat } from "../export/graph-ops";

/**
 * YOLOX PAFPN neck (Megvii YOLOX `yolo_pafpn.py` `YOLOPAFPN`; Liu et al. PANet, CVPR 2018), NHWC, with
 * input channels c3, c4, c5 (kept as output channels), CSP layers of n = round(3·depth) bottlenecks, no shortcut:
 *   l5 = lateral(c5) (1×1 → c4),            td4 = CSP(concat[up(l5), c4]) → c4,
 *   r4 = reduce(td4) (1×1 → c3),            p3 = CSP(concat[up(r4), c3]) → c3,
 *   p4 = CSP(concat[down3(p3), r4]) → c4,   p5 = CSP(concat[down4(p4), l5]) → c5,
 * up = nearest ×2, down = 3×3 s2 {@link yoloxConv} (depthwise-separable when `depthwise`).
 * YOLOX names: lateral_conv0, C3_p4, reduce_conv1, C3_p3, bu_conv2, C3_n3, bu_conv1, C3_n4.
 * Outputs [p3, p4, p5]. Children: `lateral`, `td4`, `reduce`, `p3`, `down3`, `p4`, `down4`, `p5`.
 */
export class YoloxPafpn extends Neck {
  readonly levels: readonly LevelInfo[];
  private readonly lateral: ConvBnAct;
  private readonly td4: CspLayer;
  private readonly reduce: ConvBnAct;
  private readonly p3: CspLayer;
  private readonly down3: Module<tf.Tensor4D, tf.Tensor4D>;
  private readonly p4: CspLayer;
  private readonly down4: Module<tf.Tensor4D, tf.Tensor4D>;
  private readonly p5: CspLayer;

  constructor(inLevels: readonly LevelInfo[], depth: number, depthwise: boolean, rng: Rng) {
    super();
    if (inLevels.length !== 3)
      throw new Error(`YoloxPafpn: needs 3 input levels (c3, c4, c5), got ${inLevels.length}`);
    const [c3, c4, c5] = inLevels.map((l) => l.channels) as [number, number, number];
    const csp = (cin: number, cout: number): CspLayer =>
      new CspLayer(cin, cout, rng, { n: Math.round(3 * depth), shortcut: false, depthwise });
    this.lateral = this.child("lateral", new ConvBnAct(c5, c4, rng, { kernel: 1 }));
    this.td4 = this.child("td4", csp(2 * c4, c4));
    this.reduce = this.child("reduce", new ConvBnAct(c4, c3, rng, { kernel: 1 }));
    this.p3 = this.child("p3", csp(2 * c3, c3));
    this.down3 = this.child("down3", yoloxConv(c3, c3, rng, { kernel: 3, stride: 2, depthwise }));
    this.p4 = this.child("p4", csp(2 * c3, c4));
    this.down4 = this.child("down4", yoloxConv(c4, c4, rng, { kernel: 3, stride: 2, depthwise }));
    this.p5 = this.child("p5", csp(2 * c4, c5));
    const s = inLevels.map((l) => l.stride) as [number, number, number];
    this.levels = [
      { name: "p3", channels: c3, stride: s[0] },
      { name: "p4", channels: c4, stride: s[1] },
      { name: "p5", channels: c5, stride: s[2] },
    ];
    this.declareLevels(this.levels);
  }

  /** Graph export: lateral/reduce top-down path, then the bottom-up path, as `forward`. */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    const [c3, c4, c5] = xs as [Sym, Sym, Sym];
    const s = scopeOf(this);
    const l5 = this.lateral.exportGraph(c5, ctx);
    const td4 = this.td4.exportGraph(
      concat(ctx.g, `${s}/td4`, [resizeLike(ctx, `${s}/up5`, l5, c4), c4], 3),
      ctx,
    );
    const r4 = this.reduce.exportGraph(td4, ctx);
    const p3 = this.p3.exportGraph(
      concat(ctx.g, `${s}/p3`, [resizeLike(ctx, `${s}/up4`, r4, c3), c3], 3),
      ctx,
    );
    const p4 = this.p4.exportGraph(concat(ctx.g, `${s}/p4`, [exportMap(this.down3, p3, ctx), r4], 3), ctx);
    const p5 = this.p5.exportGraph(concat(ctx.g, `${s}/p5`, [exportMap(this.down4, p4, ctx), l5], 3), ctx);
    return [p3, p4, p5];
  }

  protected forward(xs: tf.Tensor4D[]): tf.Tensor4D[] {
    const [c3, c4, c5] = xs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const l5 = this.lateral.call(c5);
    const r4 = this.reduce.call(this.td4.call(tf.concat([upsampleLike(l5, c4), c4], 3)));
    const p3 = this.p3.call(tf.concat([upsampleLike(r4, c3), c3], 3));
    const p4 = this.p4.call(tf.concat([this.down3.call(p3), r4], 3));
    const p5 = this.p5.call(tf.concat([this.down4.call(p4), l5], 3));
    return [p3, p4, p5];
  }
}
