import { batchNormSilu } from "../../packages/core/src/backend/index";
import { tf, type TF } from "./tf";

/**
 * The YOLOv8n-like benchmark net of the original wasm-training study (NHWC): widths 16/32/64/128/256, every
 * conv = conv (no bias) + BatchNorm with batch statistics + SiLU; C2f blocks with one bottleneck,
 * SPPF (three 5×5 s1 max-pools), FPN/PAN neck with nearest ×2 upsampling and concat, three 1×1
 * heads with 9 channels. 2 160 811 parameters; 5.90 GFLOP forward at 8×256×256×3 (convs, 2·MAC).
 * The same architecture is in torch_step.py.
 */
export interface Net {
  params: TF.Variable[];
  forward(x: TF.Tensor4D): TF.Tensor4D[];
  /** Forward FLOPs (2·MAC, convs only) for an input of `batch`×`size`×`size`×3. */
  flops(batch: number, size: number): number;
}

interface Conv {
  w: TF.Variable;
  gamma: TF.Variable;
  beta: TF.Variable;
  k: number;
  s: number;
}

const EPS = 1e-3;

/** Seeded uniform init in ±sqrt(3/fanIn) (He-uniform-like), deterministic across runs. */
function init(shape: number[], fanIn: number, seed: number): TF.Tensor {
  const lim = Math.sqrt(3 / fanIn);
  return tf.randomUniform(shape, -lim, lim, "float32", seed);
}

/**
 * Builds the net; `seed` fixes every initial weight. `fused`: BN + SiLU via kdet's
 * `batchNormSilu` (hand-written gradient) and the heads' bias via `tf.fused.conv2d`; otherwise
 * every op is composed from tf ops and differentiated by tfjs.
 */
export function buildNet(seed = 1, fused = false): Net {
  const params: TF.Variable[] = [];
  let flopsPerPixel: { f: number; stride: number }[] = [];
  let n = 0;
  const v = (t: TF.Tensor) => {
    const p = tf.variable(t, true, `bench_${seed}_${n++}`);
    params.push(p);
    return p;
  };
  const conv = (ci: number, co: number, k: number, s: number, outStride: number): Conv => {
    flopsPerPixel.push({ f: 2 * k * k * ci * co, stride: outStride });
    return {
      w: v(init([k, k, ci, co], k * k * ci, seed * 1000 + n)),
      gamma: v(tf.ones([co])),
      beta: v(tf.zeros([co])),
      k,
      s,
    };
  };
  const runConv = (c: Conv, x: TF.Tensor4D): TF.Tensor4D => {
    const y = tf.conv2d(x, c.w as TF.Tensor4D, c.s, "same");
    if (fused) return batchNormSilu(y, c.gamma as TF.Tensor1D, c.beta as TF.Tensor1D, EPS);
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const scale = tf.mul(c.gamma, tf.rsqrt(tf.add(variance, EPS)));
    const z = tf.add(tf.mul(tf.sub(y, mean), scale), c.beta) as TF.Tensor4D;
    return tf.mul(z, tf.sigmoid(z));
  };
  const c2f = (ci: number, co: number, shortcut: boolean, stride: number) => {
    const c = co / 2;
    const cv1 = conv(ci, 2 * c, 1, 1, stride);
    const m1 = conv(c, c, 3, 1, stride);
    const m2 = conv(c, c, 3, 1, stride);
    const cv2 = conv(3 * c, co, 1, 1, stride);
    return (x: TF.Tensor4D): TF.Tensor4D => {
      const y = runConv(cv1, x);
      const [a, b] = tf.split(y, 2, 3) as [TF.Tensor4D, TF.Tensor4D];
      let m = runConv(m2, runConv(m1, b));
      if (shortcut) m = tf.add(m, b);
      return runConv(cv2, tf.concat([a, b, m], 3));
    };
  };
  const sppf = (ci: number, co: number, stride: number) => {
    const c = ci / 2;
    const cv1 = conv(ci, c, 1, 1, stride);
    const cv2 = conv(4 * c, co, 1, 1, stride);
    return (x: TF.Tensor4D): TF.Tensor4D => {
      const y0 = runConv(cv1, x);
      const y1 = tf.maxPool(y0, 5, 1, "same");
      const y2 = tf.maxPool(y1, 5, 1, "same");
      const y3 = tf.maxPool(y2, 5, 1, "same");
      return runConv(cv2, tf.concat([y0, y1, y2, y3], 3));
    };
  };
  const head = (ci: number, stride: number) => {
    flopsPerPixel.push({ f: 2 * ci * 9, stride });
    const w = v(init([1, 1, ci, 9], ci, seed * 1000 + n));
    const b = v(tf.zeros([9]));
    return (x: TF.Tensor4D): TF.Tensor4D =>
      fused
        ? tf.fused.conv2d({ x, filter: w as TF.Tensor4D, strides: 1, pad: "valid", bias: b })
        : tf.add(tf.conv2d(x, w as TF.Tensor4D, 1, "valid"), b);
  };

  const b0 = conv(3, 16, 3, 2, 2);
  const b1 = conv(16, 32, 3, 2, 4);
  const b2 = c2f(32, 32, true, 4);
  const b3 = conv(32, 64, 3, 2, 8);
  const b4 = c2f(64, 64, true, 8);
  const b5 = conv(64, 128, 3, 2, 16);
  const b6 = c2f(128, 128, true, 16);
  const b7 = conv(128, 256, 3, 2, 32);
  const b8 = c2f(256, 256, true, 32);
  const b9 = sppf(256, 256, 32);
  const n12 = c2f(384, 128, false, 16);
  const n15 = c2f(192, 64, false, 8);
  const n16 = conv(64, 64, 3, 2, 16);
  const n18 = c2f(192, 128, false, 16);
  const n19 = conv(128, 128, 3, 2, 32);
  const n21 = c2f(384, 256, false, 32);
  const h3 = head(64, 8);
  const h4 = head(128, 16);
  const h5 = head(256, 32);
  const up = (x: TF.Tensor4D) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);

  const forward = (x: TF.Tensor4D): TF.Tensor4D[] => {
    const p2 = b2(runConv(b1, runConv(b0, x)));
    const p3 = b4(runConv(b3, p2));
    const p4 = b6(runConv(b5, p3));
    const p5 = b9(b8(runConv(b7, p4)));
    const t4 = n12(tf.concat([up(p5), p4], 3));
    const o3 = n15(tf.concat([up(t4), p3], 3));
    const o4 = n18(tf.concat([runConv(n16, o3), t4], 3));
    const o5 = n21(tf.concat([runConv(n19, o4), p5], 3));
    return [h3(o3), h4(o4), h5(o5)];
  };
  const table = flopsPerPixel;
  flopsPerPixel = [];
  const flops = (batch: number, size: number) =>
    table.reduce((s, e) => s + e.f * batch * Math.ceil(size / e.stride) ** 2, 0);
  return { params, forward, flops };
}
