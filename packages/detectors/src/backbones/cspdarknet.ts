import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { C2f } from "../blocks/c2f";
import { Sppf } from "../blocks/sppf";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Backbone, type LevelInfo } from "../nn/feature-pyramid";
import { Sequential } from "../nn/sequential";
import { stagedForward } from "./staged-forward";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { stagedGraph } from "../export/module-graph";

export { scaleChannels, scaleDepth, YOLOV8_SCALES, type YoloScale } from "./scales";
import { scaleChannels, scaleDepth, type YoloScale } from "./scales";

/**
 * YOLOv8 CSPDarknet backbone (ultralytics yolov8.yaml layers 0–9), NHWC:
 * stem 3×3 s2 → c2 [3×3 s2, C2f×3] → c3 [3×3 s2, C2f×6] → c4 [3×3 s2, C2f×6] → c5 [3×3 s2, C2f×3, SPPF],
 * base widths 64/128/256/512/1024 and repeats scaled by {@link YoloScale}; C2f with shortcuts.
 * Outputs [c3, c4, c5] at strides 8, 16, 32. Children: `stem`, `c2`, `c3`, `c4`, `c5`.
 */
export class CspDarknet extends Backbone {
  readonly levels: readonly LevelInfo[];
  private readonly stem: ConvBnAct;
  private readonly stages: Sequential[] = [];

  constructor(scale: YoloScale, rng: Rng) {
    super();
    const ch = [64, 128, 256, 512, 1024].map((c) => scaleChannels(c, scale)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const reps = [3, 6, 6, 3].map((n) => scaleDepth(n, scale));
    this.stem = this.child("stem", new ConvBnAct(3, ch[0], rng, { kernel: 3, stride: 2 }));
    for (let i = 0; i < 4; i++) {
      const cin = ch[i] as number;
      const cout = ch[i + 1] as number;
      const steps: Record<string, ConvBnAct | C2f | Sppf> = {
        down: new ConvBnAct(cin, cout, rng, { kernel: 3, stride: 2 }),
        c2f: new C2f(cout, cout, rng, { n: reps[i], shortcut: true }),
      };
      if (i === 3) steps.sppf = new Sppf(cout, cout, rng, 5);
      this.stages.push(this.child(`c${i + 2}`, new Sequential(steps)));
    }
    this.levels = [
      { name: "c3", channels: ch[2], stride: 8 },
      { name: "c4", channels: ch[3], stride: 16 },
      { name: "c5", channels: ch[4], stride: 32 },
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
