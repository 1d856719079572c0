/**
 * The `rdkd` feature-fusion module: progressive top-down fusion of the student pyramid, each
 * fused level refined by DANet position and channel attention. Owns its trainable weights.
 */
import * as tf from "@tensorflow/tfjs-core";
import { resizeNearestTorch } from "./abf-module";
import { ConvAdapter } from "../adapters/conv-adapter";
import { resizeBilinearTorch } from "../ops/feature-ops";
import { ChannelAttention, PositionAttention } from "./rdkd-attention";

/** Options of {@link RdkdFusion}. */
export interface RdkdFusionOptions {
  /** Student channels per level, finest first. */
  studentChannels: readonly number[];
  /** Teacher channels per level (the fused outputs' channels), finest first. */
  teacherChannels: readonly number[];
  /** Kernel of the fusion conv (padding 'same'). */
  kernelSize: 1 | 3;
  /** How the previous fused output is resized to the lower level. */
  upsample: "nearest" | "bilinear";
  positionAttention: boolean;
  channelAttention: boolean;
  /** Channel reduction r of the position-attention query/key (DANet: 8). */
  reduction: number;
  /** Initial γ of both attentions (DANet: 0). */
  gammaInit: number;
  seed: number;
  /** Variable name prefix (made unique by `uniqueName`). */
  name: string;
}

interface FusionLevel {
  conv: ConvAdapter;
  pam: PositionAttention | null;
  cam: ChannelAttention | null;
}

/**
 * Fusion, deepest level first (L−1 → 0), NHWC:
 * - `x_{L−1} = conv_{L−1}(S_{L−1})` (C_s → C_t);
 * - `x_i = conv_i(concat_c[S_i, resize(F_{i+1}) to (H_i, W_i)])` (C_s,i + C_t,i+1 → C_t,i);
 * - `F_i = x_i + PAM_i(x_i) + CAM_i(x_i)` (each `γ·out`, see rdkd-attention.ts).
 * Resize: PyTorch legacy nearest (`resizeNearestTorch`) or bilinear with half-pixel centres
 * (`resizeBilinearTorch`). Conv init: PyTorch's `nn.Conv2d` default (seeded).
 */
export class RdkdFusion {
  readonly levels: readonly FusionLevel[];
  private readonly opts: RdkdFusionOptions;

  constructor(opts: RdkdFusionOptions) {
    const { studentChannels: cs, teacherChannels: ct } = opts;
    if (cs.length === 0 || cs.length !== ct.length) {
      throw new Error(
        `rdkd: studentChannels (${cs.length}) and teacherChannels (${ct.length}) must be equal, non-empty lists`,
      );
    }
    this.opts = opts;
    const last = cs.length - 1;
    this.levels = cs.map((c, i) => ({
      conv: new ConvAdapter({
        inChannels: c + (i === last ? 0 : ct[i + 1]!),
        outChannels: ct[i]!,
        kernelSize: opts.kernelSize,
        seed: opts.seed + 100 * i,
        name: `${opts.name}/fuse${i}`,
      }),
      pam: opts.positionAttention
        ? new PositionAttention(ct[i]!, {
            reduction: opts.reduction,
            gammaInit: opts.gammaInit,
            seed: opts.seed + 100 * i + 10,
            name: `${opts.name}/pam${i}`,
          })
        : null,
      cam: opts.channelAttention
        ? new ChannelAttention({ gammaInit: opts.gammaInit, name: `${opts.name}/cam${i}` })
        : null,
    }));
  }

  /** Every trainable variable (fusion convs, attention convs, γ's), finest level first. */
  get variables(): tf.Variable[] {
    return this.levels.flatMap((l) => [
      ...l.conv.variables,
      ...(l.pam?.variables ?? []),
      ...(l.cam?.variables ?? []),
    ]);
  }

  /** Fused student levels `F_i` `[N,H_i,W_i,C_t,i]`, finest first. */
  fuse(students: readonly tf.Tensor[]): tf.Tensor4D[] {
    const L = this.levels.length;
    if (students.length !== L) throw new Error(`rdkd: expected ${L} student levels, got ${students.length}`);
    students.forEach((s, i) => {
      const want = this.opts.studentChannels[i];
      if (s.rank !== 4 || s.shape[3] !== want)
        throw new Error(
          `rdkd: student level ${i} has shape [${s.shape.join(",")}], expected NHWC with ${want} channels`,
        );
    });
    return tf.tidy(() => {
      const out: tf.Tensor4D[] = new Array(L);
      for (let i = L - 1; i >= 0; i--) {
        const s = students[i] as tf.Tensor4D;
        const lv = this.levels[i]!;
        let input: tf.Tensor4D = s;
        if (i < L - 1) {
          const [h, w] = [s.shape[1], s.shape[2]];
          const prev = out[i + 1]!;
          const up =
            this.opts.upsample === "nearest"
              ? resizeNearestTorch(prev, h, w)
              : resizeBilinearTorch(prev, [h, w]);
          input = tf.concat([s, up], 3);
        }
        const x = lv.conv.apply(input);
        const terms: tf.Tensor4D[] = [x];
        if (lv.pam) terms.push(lv.pam.apply(x));
        if (lv.cam) terms.push(lv.cam.apply(x));
        out[i] = terms.length === 1 ? x : (tf.addN(terms) as tf.Tensor4D);
      }
      return out;
    });
  }

  /** Frees every variable. */
  dispose(): void {
    for (const l of this.levels) {
      l.conv.dispose();
      l.pam?.dispose();
      l.cam?.dispose();
    }
  }
}
