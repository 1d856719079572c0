/**
 * `ckd`: contrastive knowledge distillation for detection — the teacher's embedding of an object
 * is the positive, constructed negatives tell the student what is wrong.
 *
 * Paper: Yang & Li, contrastive knowledge distillation for object detection, Journal of Computer
 * Applications (2025); no public code. The loss is an instance-level InfoNCE (Oord et al. 2018;
 * CRD, Tian et al., ICLR 2020, for the projection heads and τ = 0.07) plus feature imitation.
 * **[design] our construction from the paper's description** (reference §17.2).
 */
import { Rng, stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import {
  type LevelGrid,
  backgroundCells,
  cellRect,
  collectInstances,
  poolingMatrix,
  poolRows,
  sampleCells,
} from "./ckd-embeddings";
import { infoNce } from "./ckd-infonce";
import { assertSameGrid, l2NormalizeSamples, tidyLoss } from "../ops/feature-ops";
import { assertSameShape, levelList } from "../ops/logit-ops";
import { atLevel, LevelAligns } from "../adapters/level-aligns";
import { channelList } from "../channel-settings";
import { requireBoxes, requireImageSize } from "../ops/loss-context";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { CkdConfig } from "./ckd-config";

/**
 * The `ckd` loss and its adapters: align convs, and projectors per teacher channel entry (one
 * shared by every level when the channels are one number; `[]` for `projector: "none"`;
 * `teacherProjectors` are the student's own with `shared`).
 */
export interface CkdLoss extends DistillLoss {
  readonly aligns: LevelAligns;
  readonly studentProjectors: readonly ConvAdapter[];
  readonly teacherProjectors: readonly ConvAdapter[];
}

/** Level grids from the context (`imageSize`, else `stride` × map size). */
function levelGrids(ctx: LossContext | undefined, levels: tf.Tensor[]): LevelGrid[] {
  const img = requireImageSize("ckd", ctx, levels);
  return levels.map((t) => ({
    h: t.shape[1]!,
    w: t.shape[2]!,
    stride: [img[0] / t.shape[1]!, img[1] / t.shape[2]!],
  }));
}

/**
 * Creates the `ckd` loss. **[design] our construction from the paper's description.**
 *
 * Inputs: NHWC student `S` `[N,H,W,C_s]` and teacher `T` `[N,H,W,C_t]` (constant), one level or
 * per-level arrays (FPN, finest first); `Ŝ = align_l(S)` (1×1 conv where C_s ≠ C_t; channel
 * counts given as numbers share one conv and one projector across levels, lists give one per
 * level). `ctx.boxes`: one flat `n*4` xyxy Float32Array per image (input pixels);
 * `ctx.imageSize`: the padded input `[h, w]`; `ctx.rng` (optional) draws the background cells
 * (default: a generator seeded with `seed`, advanced on every call).
 *
 * 1. Objects: every GT box, on level `floor(log2(√(wh)/56))` (mmdet's RoI rule, clamped) when
 *    several levels are given. Its feature `f_k = pool(F, b_k)`: the mean of the cells the box
 *    overlaps (`roi`) or its centre cell (`center`), as a matrix product (differentiable).
 * 2. Embeddings `u_k = norm(P_S(pool(Ŝ, b_k)))`, `v_k = norm(P_T(pool(T, b_k)))`, `norm(x) =
 *    x/‖x‖₂`, P a linear head C_t,l→projDim per level (`shared`: P_S = P_T) or the identity
 *    (`none`, which needs equal channels on every level).
 * 3. Negatives of k (all teacher-side, embedded with P_T): `v_j` (j ≠ k, any image), `m`
 *    random background cells per image and level (cell centre inside no box), and the same box
 *    `b_k` pooled on each other image of the batch (same place, other content).
 * 4. `contrastive = −(1/K) Σ_k log( e^{u_k·v_k/τ} / (e^{u_k·v_k/τ} + Σ_{neg} e^{u_k·n/τ}) )`;
 *    0 without objects; K = 1 with no negative gives 0.
 * 5. `imitation = Σ_levels mean((Ŝ − T)²)`; `L = contrastiveWeight·contrastive + imitationWeight·imitation`.
 *
 * Invariant to a joint permutation of the objects (the mean over k and the negative sets do not
 * depend on their order). When S = T: imitation is 0 and u_k = v_k (shared/none projector); the
 * InfoNCE is then `−(1/K) Σ_k log(e^{1/τ} / (e^{1/τ} + Σ_neg e^{v_k·n/τ}))`, not 0 (the
 * negatives keep probability mass; InfoNCE has no zero).
 * Parts (weighted): `contrastive`, `imitation`.
 */
export function createCkd(config: z.input<typeof CkdConfig> = {}): CkdLoss {
  const cfg = CkdConfig.parse(config);
  const ct = channelList(cfg.teacherChannels ?? cfg.studentChannels);
  if (cfg.projector !== "none" && ct === undefined)
    throw new Error("ckd: teacherChannels (or studentChannels) is required to build the projector");
  const aligns = new LevelAligns("ckd", cfg.studentChannels, cfg.teacherChannels, cfg.seed, "ckd");
  const proj = (who: string, seed: number) =>
    cfg.projector === "none"
      ? []
      : ct!.map(
          (c, l) =>
            new ConvAdapter({
              inChannels: c,
              outChannels: cfg.projDim,
              seed: seed + 10 * l,
              name: `ckd_proj_${who}${l}`,
            }),
        );
  const studentProjectors = proj("s", cfg.seed + 1);
  const teacherProjectors = cfg.projector === "separate" ? proj("t", cfg.seed + 2) : studentProjectors;
  const rng = new Rng(cfg.seed);
  /** `norm(P(x))` of pooled rows `[R, C]` with level l's projector (identity for `none`). */
  const embed = (x: tf.Tensor2D, ps: readonly ConvAdapter[], l: number, levels: number): tf.Tensor2D =>
    tf.tidy(() => {
      const p = ps.length ? atLevel("ckd", "teacherChannels", ps, l, levels) : null;
      const y = p ? tf.reshape(p.apply(tf.reshape(x, [x.shape[0], 1, 1, x.shape[1]])), [x.shape[0], -1]) : x;
      return l2NormalizeSamples(y) as tf.Tensor2D;
    });
  return {
    id: "ckd",
    aligns,
    studentProjectors,
    teacherProjectors,
    get variables() {
      const ps =
        teacherProjectors === studentProjectors
          ? studentProjectors
          : [...studentProjectors, ...teacherProjectors];
      return [...aligns.variables, ...ps.flatMap((p) => p.variables)];
    },
    compute(student, teacher, ctx): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      const L = ss.length;
      if (L === 0 || ts.length !== L)
        throw new Error(`ckd: ${L} student levels vs ${ts.length} teacher levels`);
      const n = ts[0]!.shape[0]!;
      const boxes = requireBoxes("ckd", ctx, n);
      const grids = levelGrids(ctx, ts);
      const insts = collectInstances(boxes, L);
      const rand = ctx?.rng ?? (() => rng.next());
      const bg = grids.map((g) =>
        cfg.backgroundPerLevel === 0
          ? []
          : boxes.map((b) => sampleCells(backgroundCells(b, g), cfg.backgroundPerLevel, rand)),
      );
      return tidyLoss(() => {
        const us: tf.Tensor2D[] = [];
        const vs: tf.Tensor2D[] = [];
        const bs: tf.Tensor2D[] = [];
        const xs: tf.Tensor2D[] = [];
        const imit: tf.Scalar[] = [];
        ts.forEach((tl, l) => {
          const t = stopGradient(tl);
          assertSameGrid("ckd", ss[l]!, t);
          const s = aligns.apply(ss[l]!, l, L);
          assertSameShape("ckd", s, t, `level ${l} feature`);
          imit.push(tf.mean(tf.squaredDifference(s, t)));
          const g = grids[l]!;
          const here = insts.filter((k) => k.level === l);
          const rects = here.map((k) => cellRect(k.box, g, cfg.pooling));
          if (here.length > 0) {
            const p = poolingMatrix(
              rects,
              here.map((k) => k.image),
              n,
              g,
            );
            us.push(embed(poolRows(s, p), studentProjectors, l, L));
            vs.push(embed(poolRows(t, p), teacherProjectors, l, L));
            if (cfg.crossImageNegatives && n > 1) {
              const others = here.flatMap((k) =>
                Array.from({ length: n - 1 }, (_, j) => (j < k.image ? j : j + 1)),
              );
              const cross = poolingMatrix(
                rects.flatMap((r) => Array<typeof r>(n - 1).fill(r)),
                others,
                n,
                g,
              );
              xs.push(embed(poolRows(t, cross), teacherProjectors, l, L));
            }
          }
          const cells = bg[l]!.flatMap((cs, img) => cs.map((cell) => ({ img, cell })));
          if (cells.length > 0) {
            const r = cells.map(
              ({ cell }) =>
                [Math.floor(cell / g.w), Math.floor(cell / g.w), cell % g.w, cell % g.w] as [
                  number,
                  number,
                  number,
                  number,
                ],
            );
            bs.push(
              embed(
                poolRows(
                  t,
                  poolingMatrix(
                    r,
                    cells.map((x) => x.img),
                    n,
                    g,
                  ),
                ),
                teacherProjectors,
                l,
                L,
              ),
            );
          }
        });
        const imitation = tf.mul(tf.addN(imit), cfg.imitationWeight) as tf.Scalar;
        let contrastive: tf.Scalar = tf.scalar(0);
        if (us.length > 0 && cfg.contrastiveWeight > 0) {
          const dims = new Set([...us, ...bs].map((e) => e.shape[1]));
          if (dims.size > 1)
            throw new Error(
              `ckd: levels embed to different sizes (${[...dims].join(", ")}); use a projector when the channels differ per level`,
            );
          const u = tf.concat(us);
          const v = tf.concat(vs);
          const b = bs.length ? tf.concat(bs) : null;
          const x = xs.length ? tf.concat(xs).reshape([u.shape[0], n - 1, -1]) : null;
          contrastive = tf.mul(
            infoNce(u, v, {
              tau: cfg.tau,
              instanceNegatives: cfg.instanceNegatives,
              background: b,
              crossImage: x as tf.Tensor3D | null,
            }),
            cfg.contrastiveWeight,
          ) as tf.Scalar;
        }
        return { total: tf.add(contrastive, imitation) as tf.Scalar, parts: { contrastive, imitation } };
      });
    },
    dispose() {
      aligns.dispose();
      for (const p of new Set([...studentProjectors, ...teacherProjectors])) p.dispose();
    },
  };
}
