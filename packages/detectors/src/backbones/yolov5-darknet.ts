import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Sppf } from "../blocks/sppf";
import { CspLayer } from "../blocks/yolox-blocks";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Backbone, type LevelInfo } from "../nn/feature-pyramid";
import { Sequential } from "../nn/sequential";
import { scaleChannels, scaleDepth, type YoloScale } from "./cspdarknet";
import { stagedForward } from "./staged-forward";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { stagedGraph } from "../export/module-graph";

export { YOLOV5_SCALES } from "./scales";

/**
 * YOLOv5 (v6.0+/v7.0) CSPDarknet backbone (ultralytics/yolov5 `models/yolov5s.yaml` layers 0–9), NHWC:
 * stem Conv 6×6 s2 p2 → c2 [Conv 3×3 s2, C3×3] → c3 [Conv 3×3 s2, C3×6] → c4 [Conv 3×3 s2, C3×9]
 * → c5 [Conv 3×3 s2, C3×3, SPPF(5)], base widths 64/128/256/512/1024, widths ⌈c·width/8⌉·8 and repeats
 * max(round(n·depth), 1) ({@link scaleChannels}, {@link scaleDepth}); Conv = conv + BN (eps 1e-3, momentum 0.03)
 * + SiLU; C3 = {@link CspLayer} (YOLOv5 `C3`: cv1/cv2/cv3 = conv1/conv2/conv3, bottlenecks 1×1 → 3×3 with
 * shortcut). Outputs [c3, c4, c5] at strides 8, 16, 32. Children: `stem`, `c2`, `c3`, `c4`, `c5`.
 */
export class Yolov5Darknet extends Backbone {
  readonly levels: readonly LevelInfo[];
  private readonly stem: ConvBnAct;
  private readonly stages: Sequential[] = [];

  constructor(scale: YoloScale, rng: Rng) {
    super();
    const ch = [64, 128, 256, 512, 1024].map((c) => scaleChannels(c, scale));
    const reps = [3, 6, 9, 3].map((n) => scaleDepth(n, scale));
    this.stem = this.child(
      "stem",
      new ConvBnAct(3, ch[0] as number, rng, { kernel: 6, stride: 2, padding: 2 }),
    );
    for (let i = 0; i < 4; i++) {
      const cin = ch[i] as number;
      const cout = ch[i + 1] as number;
      const steps: Record<string, ConvBnAct | CspLayer | Sppf> = {
        down: new ConvBnAct(cin, cout, rng, { kernel: 3, stride: 2 }),
        c3: new CspLayer(cout, cout, rng, { n: reps[i] as number, shortcut: true }),
      };
      if (i === 3) steps.sppf = new Sppf(cout, cout, rng, 5);
      this.stages.push(this.child(`c${i + 2}`, new Sequential(steps)));
    }
    this.levels = [
      { name: "c3", channels: ch[2] as number, stride: 8 },
      { name: "c4", channels: ch[3] as number, stride: 16 },
      { name: "c5", channels: ch[4] as number, stride: 32 },
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
