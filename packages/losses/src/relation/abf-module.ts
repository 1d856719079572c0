/**
 * ReviewKD's attention-based fusion (ABF) modules: a train-only adapter stack on the student's
 * pyramid that owns its trainable weights.
 *
 * Paper: Chen et al., "Distilling Knowledge via Knowledge Review", CVPR 2021.
 * Reference: dvlab-research/ReviewKD Detection/model/kd_trans.py (ABF, ReviewKD).
 */
import * as tf from "@tensorflow/tfjs-core";
import { BatchNormTrain } from "../adapters/batch-norm";
import { ConvAdapter, seededUniform } from "../adapters/conv-adapter";

/** Options of {@link ReviewKdAbf}. */
export interface AbfOptions {
  /** Student channels per level, shallow → deep. */
  studentChannels: number[];
  /** Output (teacher) channels per level. */
  teacherChannels: number[];
  /** Fused mid channels (detection: 256). */
  midChannel: number;
  /** BatchNorm eps (PyTorch 1e-5). */
  bnEps?: number;
  /** Seed of the weight init. */
  seed?: number;
}

/** Source index of PyTorch's legacy `nearest` for one axis: `min(floorf(dst·(float)(in/out)), in−1)`. */
export function nearestIndices(inLen: number, outLen: number): Int32Array {
  const idx = new Int32Array(outLen);
  const scale = Math.fround(inLen / outLen);
  for (let d = 0; d < outLen; d++) {
    idx[d] =
      outLen === inLen
        ? d
        : outLen === 2 * inLen
          ? d >> 1
          : Math.min(Math.floor(Math.fround(d * scale)), inLen - 1);
  }
  return idx;
}

/** Nearest resize NHWC to `[h,w]` with PyTorch's index rule (gathers, so any backend can train it). */
export function resizeNearestTorch(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = tf.gather(x, tf.tensor1d(nearestIndices(x.shape[1], h), "int32"), 1);
    return tf.gather(rows, tf.tensor1d(nearestIndices(x.shape[2], w), "int32"), 2) as tf.Tensor4D;
  });
}

interface AbfLevel {
  conv1: ConvAdapter;
  bn1: BatchNormTrain;
  conv2: ConvAdapter;
  bn2: BatchNormTrain;
  att: ConvAdapter | null;
}

/**
 * ABF stack over L student levels (shallow → deep). Per level i: `x = BN(conv1×1(f_i))` (no conv
 * bias); except at the deepest level, fuse with the deeper level's fused mid feature y (nearest
 * upsampled, PyTorch index rule): `z = σ(conv1×1([x, y]) + b)` (2 channels),
 * `x ← x·z_0 + y·z_1`; output `o_i = BN(conv3×3(x))` (pad 1, no bias); x is passed on. Levels are
 * processed deepest first, outputs returned in input order. BatchNorms always use batch statistics
 * (the reference's training mode; ABF is train-only, so no running statistics are kept).
 * Init: conv1/conv2 Kaiming-uniform a = 1 (U(±√(3/fanIn))), attention conv PyTorch default, BN γ 1 β 0.
 * Layout NHWC.
 */
export class ReviewKdAbf {
  private readonly levels: AbfLevel[];

  constructor(opts: AbfOptions) {
    const { studentChannels, teacherChannels, midChannel: mid } = opts;
    if (studentChannels.length === 0 || studentChannels.length !== teacherChannels.length) {
      throw new Error(
        `abf: studentChannels (${studentChannels.length}) and teacherChannels (${teacherChannels.length}) must be equal, non-empty lists`,
      );
    }
    const eps = opts.bnEps ?? 1e-5;
    const seed = opts.seed ?? 0;
    const kaimingA1 = (a: ConvAdapter, s: number) => {
      const fanIn = a.inChannels * a.kernelSize * a.kernelSize;
      const b = Math.sqrt(3 / fanIn);
      tf.tidy(() => a.weight.assign(tf.tensor4d(seededUniform(a.weight.size, -b, b, s), a.weight.shape)));
      return a;
    };
    this.levels = studentChannels.map((cin, i) => ({
      conv1: kaimingA1(
        new ConvAdapter({ inChannels: cin, outChannels: mid, kernelSize: 1, bias: false }),
        seed + 10 * i,
      ),
      bn1: new BatchNormTrain(mid, { eps, name: "abf_bn1" }),
      conv2: kaimingA1(
        new ConvAdapter({ inChannels: mid, outChannels: teacherChannels[i]!, kernelSize: 3, bias: false }),
        seed + 10 * i + 1,
      ),
      bn2: new BatchNormTrain(teacherChannels[i]!, { eps, name: "abf_bn2" }),
      att:
        i === studentChannels.length - 1
          ? null
          : new ConvAdapter({ inChannels: 2 * mid, outChannels: 2, kernelSize: 1, seed: seed + 10 * i + 2 }),
    }));
  }

  /** Number of levels. */
  get numLevels(): number {
    return this.levels.length;
  }

  /** Every trainable variable (convs, BN γ/β, attention convs). */
  get variables(): tf.Variable[] {
    return this.levels.flatMap((l) => [
      ...l.conv1.variables,
      ...l.bn1.variables,
      ...l.conv2.variables,
      ...l.bn2.variables,
      ...(l.att?.variables ?? []),
    ]);
  }

  /** Fuses student levels NHWC (shallow → deep) into outputs `[N,H_i,W_i,teacherChannels_i]`. */
  fuse(feats: tf.Tensor[]): tf.Tensor4D[] {
    if (feats.length !== this.levels.length)
      throw new Error(`abf: expected ${this.levels.length} student levels, got ${feats.length}`);
    feats.forEach((f, i) => {
      const cin = this.levels[i]!.conv1.inChannels;
      if (f.rank !== 4 || f.shape[3] !== cin)
        throw new Error(
          `abf: student level ${i} has shape [${f.shape.join(",")}], expected NHWC with ${cin} channels`,
        );
    });
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = new Array(feats.length);
      let prev: tf.Tensor4D | null = null;
      for (let i = feats.length - 1; i >= 0; i--) {
        const lv = this.levels[i]!;
        let x = lv.bn1.apply(lv.conv1.apply(feats[i] as tf.Tensor4D));
        if (prev && lv.att) {
          const y = resizeNearestTorch(prev, x.shape[1], x.shape[2]);
          const z = tf.sigmoid(lv.att.apply(tf.concat([x, y], 3)));
          const [z0, z1] = tf.split(z, 2, 3);
          x = tf.add(tf.mul(x, z0!), tf.mul(y, z1!));
        }
        outs[i] = lv.bn2.apply(lv.conv2.apply(x));
        prev = x;
      }
      return outs;
    });
  }

  /**
   * Loads PyTorch weights named as the reference (`<prefix>.<i>.conv1.0.weight`, `conv1.1.weight|bias`
   * (BN), `conv2.0.weight`, `conv2.1.weight|bias`, `att_conv.0.weight|bias`), OIHW.
   */
  loadTorch(weights: Record<string, tf.Tensor>, prefix = "abfs"): void {
    const get = (k: string): tf.Tensor => {
      const w = weights[`${prefix}.${k}`];
      if (!w)
        throw new Error(
          `abf.loadTorch: missing weight '${prefix}.${k}' (have: ${Object.keys(weights).join(", ")})`,
        );
      return w;
    };
    this.levels.forEach((lv, i) => {
      lv.conv1.loadTorch(get(`${i}.conv1.0.weight`));
      lv.bn1.loadTorch(get(`${i}.conv1.1.weight`), get(`${i}.conv1.1.bias`));
      lv.conv2.loadTorch(get(`${i}.conv2.0.weight`));
      lv.bn2.loadTorch(get(`${i}.conv2.1.weight`), get(`${i}.conv2.1.bias`));
      lv.att?.loadTorch(get(`${i}.att_conv.0.weight`), get(`${i}.att_conv.0.bias`));
    });
  }

  /** Frees every variable. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
