import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { Conv2d } from "../nn/conv2d";
import type { LevelInfo } from "../nn/feature-pyramid";
import type { PerLevel } from "../nn/per-level";
import { distToBox } from "./dfl";
import { fcosDense, fcosLoss, type FcosLossOptions } from "./fcos-loss";
import type { PostprocessOptions } from "./postprocess";
import { headTower, LevelView, levelViews, priorBias, Scale } from "./tower";
import {
  DetectionHead,
  type DensePredictions,
  type DetectionLoss,
  type DetectionTargets,
  type HeadOutput,
} from "./types";
import { childOf, type ExportContext } from "../export/export-context";
import type { Sym } from "../export/graph-def";
import { exportMap, sharedChain, type HeadGraph } from "../export/module-graph";
import { ltrbDenseGraph } from "../export/dense-graph";
import { unary } from "../export/graph-ops";

/** Options of {@link FcosHead} (mmdet `FCOSHead`). */
export interface FcosHeadOptions {
  /** Tower width (default 256). */
  featChannels?: number;
  /** Convs per tower (default 4). */
  stackedConvs?: number;
  /** GroupNorm groups (default 32). */
  groups?: number;
  /** Distance activation (default `"exp"`; `"relu"` = mmdet `norm_on_bbox`), see {@link FcosHead}. */
  distance?: "relu" | "exp";
  loss?: FcosLossOptions;
}

/**
 * FCOS head (Tian et al., ICCV 2019; mmdet `FCOSHead` with `centerness_on_reg`, `conv_bias`), NHWC,
 * towers shared across levels:
 * - cls: `cls_tower` (`stackedConvs` × conv3×3 + bias → GN → ReLU) → `cls_out` 3×3 to C logits (bias −log 99);
 * - box: `reg_tower` → `reg_out` 3×3 to 4 → × learnable `scale_pN` = z → (l, t, r, b) in strides
 *   (`box` R = 1; decode multiplies by the stride):
 *   `"exp"` (default): d = exp(z), the FCOS paper's and mmdet's `norm_on_bbox=False` map (mmdet: exp(z)
 *   pixels; here strides, i.e. the same map with its start at 1 stride instead of 1 px);
 *   `"relu"`: d = max(z, 0), mmdet `norm_on_bbox=True`. The ReLU map starts at d ≈ 0 with half the
 *   outputs clamped; under AdamW with the bias warmup (lr 0.1) whole sides died in kdet's 30-step
 *   overfit of fcos-r50 (no gradient through max(z, 0) once z < 0 everywhere), hence the exp default;
 * - quality: `ctr_out` 3×3 on the reg tower → 1 centre-ness logit.
 * Taps: `cls.p3…`, `reg_feat.p3…` (reg tower output), `box.p3…`, `quality.p3…`.
 */
export class FcosHead extends DetectionHead {
  private readonly cls: PerLevel;
  private readonly regFeat: PerLevel;
  private readonly box: PerLevel;
  private readonly quality: PerLevel;
  private readonly lossOptions: FcosLossOptions;
  /** Activation of the distance outputs. */
  readonly distance: "relu" | "exp";

  constructor(
    readonly levels: readonly LevelInfo[],
    readonly numClasses: number,
    rng: Rng,
    opts: FcosHeadOptions = {},
  ) {
    super();
    const feat = opts.featChannels ?? 256;
    const stacked = opts.stackedConvs ?? 4;
    const tower = { groups: opts.groups ?? 32, bias: true };
    this.lossOptions = opts.loss ?? {};
    this.distance = opts.distance ?? "exp";
    const cin = levels[0]?.channels ?? feat;
    if (levels.some((l) => l.channels !== cin))
      throw new Error("FcosHead: all levels must have the same channels (shared towers)");
    const clsTower = this.child("cls_tower", headTower(cin, feat, stacked, rng, tower));
    const regTower = this.child("reg_tower", headTower(cin, feat, stacked, rng, tower));
    const clsOut = this.child(
      "cls_out",
      new Conv2d(feat, numClasses, rng, {
        kernel: 3,
        bias: true,
        init: "normal0.01",
        biasInit: priorBias(0.01),
      }),
    );
    const regOut = this.child(
      "reg_out",
      new Conv2d(feat, 4, rng, { kernel: 3, bias: true, init: "normal0.01" }),
    );
    const ctrOut = this.child(
      "ctr_out",
      new Conv2d(feat, 1, rng, { kernel: 3, bias: true, init: "normal0.01" }),
    );
    const scales = levels.map((l) => this.child(`scale_${l.name}`, new Scale()));
    this.cls = this.child(
      "cls",
      levelViews(levels, numClasses, () => new LevelView([clsTower, clsOut])),
    );
    this.regFeat = this.child(
      "reg_feat",
      levelViews(levels, feat, () => new LevelView([regTower])),
    );
    this.box = this.child(
      "box",
      levelViews(levels, 4, (i) => new LevelView([regOut, scales[i] as Scale], this.distance)),
    );
    this.quality = this.child(
      "quality",
      levelViews(levels, 1, () => new LevelView([ctrOut])),
    );
  }

  /** mmdet `fcos_r50_caffe_fpn_gn-head_1x_coco` `test_cfg`: NMS IoU 0.5. */
  override get postprocessDefaults(): PostprocessOptions {
    return { iouThreshold: 0.5 };
  }

  /**
   * Graph export: reg = reg_tower(x); box = act(scale_pN · reg_out(reg)) in strides (act = `distance`: ReLU or exp);
   * quality = ctr_out(reg); cls = cls_out(cls_tower(x)); distance decoding around cell centres.
   */
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph {
    const cls = sharedChain(xs, [childOf(this, "cls_tower"), childOf(this, "cls_out")], ctx);
    const reg = sharedChain(xs, [childOf(this, "reg_tower")], ctx);
    const act = this.distance === "exp" ? "Exp" : "Relu";
    const box = sharedChain(reg, [childOf(this, "reg_out")], ctx).map((y, i) => {
      const level = this.levels[i]?.name;
      return unary(ctx.g, `head/box/${level}`, act, exportMap(childOf(this, `scale_${level}`), y, ctx));
    });
    const quality = sharedChain(reg, [childOf(this, "ctr_out")], ctx);
    return {
      cls,
      box,
      quality,
      boxMeaning: "distances (l, t, r, b) from the cell centre, in strides",
      qualityMeaning: "centre-ness logits",
      dense: ltrbDenseGraph(
        ctx.g,
        cls,
        box,
        quality,
        this.levels.map((l) => l.stride),
      ),
      decode: { type: "ltrb", anchorOffset: 0.5, score: "sigmoid(cls)*sigmoid(quality)" },
    };
  }

  protected forward(xs: tf.Tensor4D[]): HeadOutput {
    const reg = this.regFeat.call(xs);
    return { cls: this.cls.call(xs), box: this.box.call(reg), quality: this.quality.call(reg) };
  }

  /** {@link fcosLoss} with this head's strides, classes and weights. */
  loss(raw: HeadOutput, targets: DetectionTargets): DetectionLoss {
    return fcosLoss(
      raw,
      targets,
      this.levels.map((l) => l.stride),
      this.numClasses,
      this.lossOptions,
    );
  }

  /**
   * Boxes = location ∓/± (l, t, r, b)·stride (xyxy input pixels); scores = σ(cls)·σ(centre-ness),
   * the product mmdet's `multiclass_nms(score_factors=centerness)` ranks by (not the √ of the FCOS repo).
   */
  decode(raw: HeadOutput): DensePredictions {
    return tf.tidy(() => {
      const d = fcosDense(
        raw,
        this.levels.map((l) => l.stride),
      );
      const P = d.strides.length;
      const stride = tf.tensor2d(d.strides, [P, 1]);
      const boxes = distToBox(tf.tensor2d(d.points, [P, 2]), tf.mul(d.dist, stride)) as tf.Tensor3D;
      return { boxes, scores: tf.mul(tf.sigmoid(d.cls), tf.sigmoid(d.ctr)) as tf.Tensor3D };
    });
  }
}
