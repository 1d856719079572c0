import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { ConvBnAct } from "../nn/conv-bn-act";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { binary } from "../export/graph-ops";

/**
 * Ultralytics `Bottleneck`: y = x + cv2(cv1(x)) (residual only when `shortcut` and in = out),
 * cv1: k×k conv to out·e channels, cv2: k×k conv to out. NHWC. Children: `cv1`, `cv2`.
 */
export class Bottleneck extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly cv1: ConvBnAct;
  private readonly cv2: ConvBnAct;
  /** Whether the residual x is added (shortcut requested and in = out channels). */
  readonly add: boolean;

  constructor(
    inChannels: number,
    outChannels: number,
    rng: Rng,
    opts: { shortcut?: boolean; expansion?: number; kernel?: number } = {},
  ) {
    super();
    const hidden = Math.trunc(outChannels * (opts.expansion ?? 0.5));
    const k = opts.kernel ?? 3;
    this.cv1 = this.child("cv1", new ConvBnAct(inChannels, hidden, rng, { kernel: k }));
    this.cv2 = this.child("cv2", new ConvBnAct(hidden, outChannels, rng, { kernel: k }));
    this.add = (opts.shortcut ?? true) && inChannels === outChannels;
  }

  /** Graph export: cv2(cv1(x)) (+ x when `add`). */
  exportGraph(x: Sym, ctx: ExportContext): Sym {
    const y = this.cv2.exportGraph(this.cv1.exportGraph(x, ctx), ctx);
    return this.add ? binary(ctx.g, scopeOf(this), "AddV2", x, y) : y;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = this.cv2.call(this.cv1.call(x));
    return this.add ? tf.add(x, y) : y;
  }
}
