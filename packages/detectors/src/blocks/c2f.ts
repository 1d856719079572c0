import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Bottleneck } from "./bottleneck";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { concat, split } from "../export/graph-ops";

/**
 * Ultralytics `C2f` (YOLOv8's CSP block with two convolutions): with c = ⌊out·e⌋,
 * [a, b] = split(cv1(x)) along channels (cv1: 1×1 to 2c), y_i = m_i(y_{i−1}) with y_0 = b,
 * out = cv2(concat[a, b, y_1 … y_n]) (cv2: 1×1 from (2+n)c). Bottlenecks use 3×3 convs and e = 1.
 * NHWC. Children: `cv1`, `cv2`, `m0` … `m{n−1}`.
 */
export class C2f extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly cv1: ConvBnAct;
  private readonly cv2: ConvBnAct;
  private readonly m: Bottleneck[] = [];

  constructor(
    inChannels: number,
    outChannels: number,
    rng: Rng,
    opts: { n?: number; shortcut?: boolean; expansion?: number } = {},
  ) {
    super();
    const n = opts.n ?? 1;
    const c = Math.trunc(outChannels * (opts.expansion ?? 0.5));
    this.cv1 = this.child("cv1", new ConvBnAct(inChannels, 2 * c, rng, { kernel: 1 }));
    for (let i = 0; i < n; i++)
      this.m.push(
        this.child(`m${i}`, new Bottleneck(c, c, rng, { shortcut: opts.shortcut ?? false, expansion: 1 })),
      );
    this.cv2 = this.child("cv2", new ConvBnAct((2 + n) * c, outChannels, rng, { kernel: 1 }));
  }

  /** Graph export: split cv1(x) in two, chain the bottlenecks on the last part, cv2 of everything concatenated. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const s = scopeOf(this);
    const ys = split(ctx.g, s, this.cv1.exportGraph(x, ctx), 2, 3);
    for (const b of this.m) ys.push(b.exportGraph(ys[ys.length - 1] as Sym, ctx));
    return this.cv2.exportGraph(concat(ctx.g, s, ys, 3), ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    // copy: tf.split returns the tape node's own outputs array, which must not grow
    const ys = [...(tf.split(this.cv1.call(x), 2, 3) as tf.Tensor4D[])];
    for (const m of this.m) ys.push(m.call(ys[ys.length - 1] as tf.Tensor4D));
    return this.cv2.call(tf.concat(ys, 3));
  }
}
