import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import {
  BasicBlock,
  BASIC_EXPANSION,
  BOTTLENECK_EXPANSION,
  ResBottleneck,
  TORCHVISION_BN,
} from "../blocks/resnet-blocks";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Backbone, type LevelInfo } from "../nn/feature-pyramid";
import { Sequential } from "../nn/sequential";
import { scopeOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { stagedGraph } from "../export/module-graph";
import { maxPool, padHw } from "../export/graph-ops";

/** ResNet depths: block type and blocks per stage (He et al., CVPR 2016; torchvision). */
export const RESNET_DEPTHS = {
  18: { block: "basic", layers: [2, 2, 2, 2] },
  34: { block: "basic", layers: [3, 4, 6, 3] },
  50: { block: "bottleneck", layers: [3, 4, 6, 3] },
  101: { block: "bottleneck", layers: [3, 4, 23, 3] },
} as const;
/** A supported ResNet depth. */
export type ResNetDepth = keyof typeof RESNET_DEPTHS;

/**
 * torchvision ResNet-18/34/50/101 without the classifier, NHWC: stem 7×7 s2 conv + BN + ReLU, 3×3 s2
 * max-pool (padding 1), then stages c2…c5 of Basic/Bottleneck (v1.5) blocks with `width`·(1,2,4,8)
 * planes (default width 64); the first block of c3…c5 has stride 2. BN eps 1e-5, momentum 0.1.
 * Outputs [c3, c4, c5] at strides 8, 16, 32, or [c2, c3, c4, c5] (strides 4…32) with `fromStage` 2
 * (mmdet `out_indices=(0, 1, 2, 3)`, Faster R-CNN). Children: `stem`, `c2`, `c3`, `c4`, `c5`.
 */
export class ResNet extends Backbone {
  readonly levels: readonly LevelInfo[];
  private readonly stem: ConvBnAct;
  private readonly stages: Sequential[] = [];
  /** Index of the first output stage: 1 → c3 (default), 0 → c2. */
  private readonly from: number;

  constructor(depth: ResNetDepth, rng: Rng, width = 64, fromStage: 2 | 3 = 3) {
    super();
    const spec = RESNET_DEPTHS[depth];
    const expansion = spec.block === "basic" ? BASIC_EXPANSION : BOTTLENECK_EXPANSION;
    this.stem = this.child(
      "stem",
      new ConvBnAct(3, width, rng, { kernel: 7, stride: 2, act: "relu", bn: TORCHVISION_BN }),
    );
    let cin = width;
    const outs: number[] = [];
    spec.layers.forEach((n, i) => {
      const planes = width * 2 ** i;
      const blocks = [];
      for (let b = 0; b < n; b++) {
        const stride = b === 0 && i > 0 ? 2 : 1;
        blocks.push(
          spec.block === "basic"
            ? new BasicBlock(cin, planes, rng, { stride })
            : new ResBottleneck(cin, planes, rng, { stride }),
        );
        cin = planes * expansion;
      }
      outs.push(cin);
      this.stages.push(this.child(`c${i + 2}`, new Sequential(blocks)));
    });
    this.from = fromStage - 2;
    this.levels = [
      ...(fromStage === 2 ? [{ name: "c2", channels: outs[0] as number, stride: 4 }] : []),
      { name: "c3", channels: outs[1] as number, stride: 8 },
      { name: "c4", channels: outs[2] as number, stride: 16 },
      { name: "c5", channels: outs[3] as number, stride: 32 },
    ];
    this.declareLevels(this.levels);
  }

  /**
   * Graph export: stem, torchvision's 3×3 stride-2 max-pool with padding 1 as zero padding + VALID pool (the input
   * is ReLU output ≥ 0, as in `forward`), then the stages; the outputs of the declared levels.
   */
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[] {
    const s = scopeOf(this);
    return stagedGraph(
      this.stem,
      this.stages,
      xs,
      ctx,
      (y) => maxPool(ctx.g, s, padHw(ctx.g, s, y, 1), 3, 2, "VALID"),
      this.from,
    );
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D[] {
    const s = this.stem.call(x);
    // PyTorch MaxPool2d(3, 2, padding=1): zero padding equals −∞ padding here, as the input is ReLU output (≥ 0)
    let y: tf.Tensor4D = tf.maxPool(
      tf.pad(s, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
      3,
      2,
      "valid",
    );
    const outs: tf.Tensor4D[] = [];
    this.stages.forEach((st, i) => {
      y = st.call(y);
      if (i >= this.from) outs.push(y);
    });
    return outs;
  }
}
