import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { ConvBnAct } from "../nn/conv-bn-act";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { concat, maxPool } from "../export/graph-ops";

/**
 * Ultralytics `SPPF` (fast spatial pyramid pooling): y0 = cv1(x) (1×1 to in/2), y_i = maxpool_k(y_{i−1})
 * with stride 1 and padding k/2 (i = 1..3), out = cv2(concat[y0..y3]) (1×1 to out). Equivalent to
 * SPP with kernels 5, 9, 13 for k = 5. NHWC. Children: `cv1`, `cv2`.
 */
export class Sppf extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly cv1: ConvBnAct;
  private readonly cv2: ConvBnAct;

  constructor(
    inChannels: number,
    outChannels: number,
    rng: Rng,
    readonly k = 5,
  ) {
    super();
    const hidden = Math.trunc(inChannels / 2);
    this.cv1 = this.child("cv1", new ConvBnAct(inChannels, hidden, rng, { kernel: 1 }));
    this.cv2 = this.child("cv2", new ConvBnAct(hidden * 4, outChannels, rng, { kernel: 1 }));
  }

  /** Graph export: cv1, three chained k×k max-pools (stride 1, SAME), cv2 of the four concatenated. */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const s = scopeOf(this);
    const ys = [this.cv1.exportGraph(x, ctx)];
    for (let i = 0; i < 3; i++) ys.push(maxPool(ctx.g, s, ys[i] as Sym, this.k, 1, "SAME"));
    return this.cv2.exportGraph(concat(ctx.g, s, ys, 3), ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const ys = [this.cv1.call(x)];
    for (let i = 0; i < 3; i++) ys.push(tf.maxPool(ys[i] as tf.Tensor4D, this.k, 1, "same"));
    return this.cv2.call(tf.concat(ys, 3));
  }
}
