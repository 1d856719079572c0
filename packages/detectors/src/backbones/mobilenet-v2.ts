import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { InvertedResidual } from "../blocks/inverted-residual";
import { TORCHVISION_BN } from "../blocks/resnet-blocks";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Backbone, type LevelInfo } from "../nn/feature-pyramid";
import { Sequential } from "../nn/sequential";
import type { ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { stagedGraph } from "../export/module-graph";

/** torchvision MobileNetV2 settings: expansion t, channels c, repeats n, first stride s. */
const SETTINGS: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];
/** Which stage (c2…c5) each setting row belongs to. */
const STAGE_OF = [2, 2, 3, 4, 4, 5, 5];

/** torchvision `_make_divisible(v, 8)`: nearest multiple of 8, never below 90 % of v. */
function divisible8(v: number): number {
  const r = Math.max(8, Math.floor((v + 4) / 8) * 8);
  return r < 0.9 * v ? r + 8 : r;
}

/**
 * MobileNetV2 feature extractor (Sandler et al., CVPR 2018; torchvision, without the last 1×1 conv
 * and the classifier), NHWC: stem 3×3 s2 conv (32·α) + BN + ReLU6, then inverted residual blocks
 * grouped into stages c2 (stride 4), c3 (8), c4 (16), c5 (32), widths × `widthMult` rounded to 8.
 * Outputs [c3, c4, c5] (32, 96, 320 channels at α = 1). Children: `stem`, `c2`…`c5`.
 */
export class MobileNetV2 extends Backbone {
  readonly levels: readonly LevelInfo[];
  private readonly stem: ConvBnAct;
  private readonly stages: Sequential[] = [];

  constructor(rng: Rng, widthMult = 1) {
    super();
    const bn = TORCHVISION_BN;
    let cin = divisible8(32 * widthMult);
    this.stem = this.child("stem", new ConvBnAct(3, cin, rng, { kernel: 3, stride: 2, act: "relu6", bn }));
    const perStage = new Map<number, InvertedResidual[]>();
    const outCh = new Map<number, number>();
    SETTINGS.forEach(([t, c, n, s], row) => {
      const cout = divisible8(c * widthMult);
      const stage = STAGE_OF[row] as number;
      for (let i = 0; i < n; i++) {
        const list = perStage.get(stage) ?? [];
        list.push(new InvertedResidual(cin, cout, rng, { stride: i === 0 ? s : 1, expandRatio: t, bn }));
        perStage.set(stage, list);
        cin = cout;
      }
      outCh.set(stage, cout);
    });
    for (const stage of [2, 3, 4, 5])
      this.stages.push(this.child(`c${stage}`, new Sequential(perStage.get(stage) ?? [])));
    this.levels = [
      { name: "c3", channels: outCh.get(3) as number, stride: 8 },
      { name: "c4", channels: outCh.get(4) as number, stride: 16 },
      { name: "c5", channels: outCh.get(5) as number, stride: 32 },
    ];
    this.declareLevels(this.levels);
  }

  /** Graph export: stem, then the stages; the outputs of c3, c4, c5. */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    return stagedGraph(this.stem, this.stages, xs, ctx);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D[] {
    let y = this.stem.call(x);
    const outs: tf.Tensor4D[] = [];
    this.stages.forEach((st, i) => {
      y = st.call(y);
      if (i >= 1) outs.push(y);
    });
    return outs;
  }
}
