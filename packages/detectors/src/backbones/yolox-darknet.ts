import type * as tf from "@tensorflow/tfjs-core";
import type { Module, Rng } from "@kdet/core";
import { Sppf } from "../blocks/sppf";
import { CspLayer, Focus, yoloxConv } from "../blocks/yolox-blocks";
import { Backbone, type LevelInfo } from "../nn/feature-pyramid";
import { Sequential } from "../nn/sequential";
import { stagedForward } from "./staged-forward";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { stagedGraph } from "../export/module-graph";

export { YOLOX_SCALES, type YoloxScale } from "./scales";
import type { YoloxScale } from "./scales";

/**
 * YOLOX CSPDarknet backbone (Megvii YOLOX `darknet.py` `CSPDarknet`), NHWC, b = ⌊64·width⌋, n = max(round(3·depth), 1):
 * stem Focus(3 → b, 3×3) → c2 [Conv 3×3 s2 → 2b, CSP×n] → c3 [Conv s2 → 4b, CSP×3n] → c4 [Conv s2 → 8b, CSP×3n]
 * → c5 [Conv s2 → 16b, SPP(5, 9, 13), CSP×n without shortcut]; Conv = {@link yoloxConv} (depthwise-separable
 * when `scale.depthwise`). SPP is computed as the equivalent cascaded SPPF(5) ({@link Sppf}, same
 * convolutions, identical output). Outputs [c3, c4, c5] at strides 8, 16, 32 (YOLOX dark3–dark5).
 * Children: `stem`, `c2`, `c3`, `c4`, `c5`.
 */
export class YoloxDarknet extends Backbone {
  readonly levels: readonly LevelInfo[];
  private readonly stem: Focus;
  private readonly stages: Sequential[] = [];

  constructor(scale: YoloxScale, rng: Rng) {
    super();
    const b = Math.trunc(64 * scale.width);
    const n = Math.max(Math.round(3 * scale.depth), 1);
    const dw = scale.depthwise;
    this.stem = this.child("stem", new Focus(3, b, rng, 3));
    const reps = [n, 3 * n, 3 * n, n];
    for (let i = 0; i < 4; i++) {
      const cin = b * 2 ** i;
      const cout = 2 * cin;
      const last = i === 3;
      const steps: Record<string, Module<tf.Tensor4D, tf.Tensor4D>> = {
        down: yoloxConv(cin, cout, rng, { kernel: 3, stride: 2, depthwise: dw }),
      };
      if (last) steps.spp = new Sppf(cout, cout, rng, 5);
      steps.csp = new CspLayer(cout, cout, rng, { n: reps[i] as number, shortcut: !last, depthwise: dw });
      this.stages.push(this.child(`c${i + 2}`, new Sequential(steps)));
    }
    this.levels = [
      { name: "c3", channels: 4 * b, stride: 8 },
      { name: "c4", channels: 8 * b, stride: 16 },
      { name: "c5", channels: 16 * b, stride: 32 },
    ];
    this.declareLevels(this.levels);
  }

  /** Graph export: stem, then the stages; the outputs of c3, c4, c5. */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    return stagedGraph(this.stem, this.stages, xs, ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return stagedForward(this.stem, this.stages, x);
  }
}
