import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { C2f } from "../blocks/c2f";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Neck, type LevelInfo } from "../nn/feature-pyramid";
import { upsampleLike } from "../nn/upsample";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { resizeLike } from "../export/module-graph";
import { concat } from "../export/graph-ops";

/**
 * YOLOv8 PAFPN neck (ultralytics yolov8.yaml head layers 10–21; Liu et al. PANet, CVPR 2018), NHWC:
 *   td4 = C2f(concat[up(c5), c4]),  p3 = C2f(concat[up(td4), c3]),
 *   p4 = C2f(concat[down3(p3), td4]),  p5 = C2f(concat[down4(p4), c5]),
 * up = nearest ×2, down = 3×3 s2 conv, C2f without shortcut, `n` bottlenecks each.
 * Outputs [p3, p4, p5] with `outChannels`. Children: `td4`, `p3`, `down3`, `p4`, `down4`, `p5`.
 */
export class Pafpn extends Neck {
  readonly levels: readonly LevelInfo[];
  private readonly td4: C2f;
  private readonly p3: C2f;
  private readonly down3: ConvBnAct;
  private readonly p4: C2f;
  private readonly down4: ConvBnAct;
  private readonly p5: C2f;

  constructor(
    inLevels: readonly LevelInfo[],
    outChannels: readonly [number, number, number],
    n: number,
    rng: Rng,
  ) {
    super();
    if (inLevels.length !== 3)
      throw new Error(`Pafpn: needs 3 input levels (c3, c4, c5), got ${inLevels.length}`);
    const [c3, c4, c5] = inLevels.map((l) => l.channels) as [number, number, number];
    const [o3, o4, o5] = outChannels;
    this.td4 = this.child("td4", new C2f(c5 + c4, o4, rng, { n, shortcut: false }));
    this.p3 = this.child("p3", new C2f(o4 + c3, o3, rng, { n, shortcut: false }));
    this.down3 = this.child("down3", new ConvBnAct(o3, o3, rng, { kernel: 3, stride: 2 }));
    this.p4 = this.child("p4", new C2f(o3 + o4, o4, rng, { n, shortcut: false }));
    this.down4 = this.child("down4", new ConvBnAct(o4, o4, rng, { kernel: 3, stride: 2 }));
    this.p5 = this.child("p5", new C2f(o4 + c5, o5, rng, { n, shortcut: false }));
    const s = inLevels.map((l) => l.stride) as [number, number, number];
    this.levels = [
      { name: "p3", channels: o3, stride: s[0] },
      { name: "p4", channels: o4, stride: s[1] },
      { name: "p5", channels: o5, stride: s[2] },
    ];
    this.declareLevels(this.levels);
  }

  /** Graph export: top-down then bottom-up paths as `forward` (nearest upsampling to the finer level's size). */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    const [c3, c4, c5] = xs as [Sym, Sym, Sym];
    const s = scopeOf(this);
    const td4 = this.td4.exportGraph(
      concat(ctx.g, `${s}/td4`, [resizeLike(ctx, `${s}/up5`, c5, c4), c4], 3),
      ctx,
    );
    const p3 = this.p3.exportGraph(
      concat(ctx.g, `${s}/p3`, [resizeLike(ctx, `${s}/up4`, td4, c3), c3], 3),
      ctx,
    );
    const p4 = this.p4.exportGraph(concat(ctx.g, `${s}/p4`, [this.down3.exportGraph(p3, ctx), td4], 3), ctx);
    const p5 = this.p5.exportGraph(concat(ctx.g, `${s}/p5`, [this.down4.exportGraph(p4, ctx), c5], 3), ctx);
    return [p3, p4, p5];
  }

  protected forward(xs: tf.Tensor4D[]): tf.Tensor4D[] {
    const [c3, c4, c5] = xs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const td4 = this.td4.call(tf.concat([upsampleLike(c5, c4), c4], 3));
    const p3 = this.p3.call(tf.concat([upsampleLike(td4, c3), c3], 3));
    const p4 = this.p4.call(tf.concat([this.down3.call(p3), td4], 3));
    const p5 = this.p5.call(tf.concat([this.down4.call(p4), c5], 3));
    return [p3, p4, p5];
  }
}
