/**
 * Filter-gradient (Conv2DBackpropFilter) variants on the net's 3×3 layer shapes, wasm, min of 5 wall
 * times:
 * `pnpm exec tsx bench/train-step/dw-variants.ts`.
 */
import { register } from "node:module";
register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
const { tf } = await import("./tf");
type T4 = import("./tf").TF.Tensor4D;
const { initBackend } = await import("../../packages/core/src/backend/index");
await initBackend({ backend: "wasm", threads: Number(process.env.T ?? 1), quiet: true });

function cpuTime(f: () => unknown, reps = 5): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.tidy(() => {
      (f() as { dataSync(): unknown }).dataSync();
    });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Padded input window for a 3×3 'same' conv with stride s (pads as tfjs computes them). */
function xpad(x: T4, s: number, oh: number, ow: number): T4 {
  const [, h, w] = x.shape;
  const padT = Math.floor(Math.max((oh - 1) * s + 3 - h, 0) / 2);
  const padL = Math.floor(Math.max((ow - 1) * s + 3 - w, 0) / 2);
  const rows = (oh - 1) * s + 3;
  const cols = (ow - 1) * s + 3;
  return tf.pad(x, [
    [0, 0],
    [padT, rows - h - padT],
    [padL, cols - w - padL],
    [0, 0],
  ]);
}

/** The 9 shifted (and for s=2 subsampled) input slices [N, OH, OW, Ci], tap order (kh, kw). */
function taps(xp: T4, s: number, oh: number, ow: number): T4[] {
  const [n, , , ci] = xp.shape;
  const out: T4[] = [];
  const phases = new Map<string, T4>();
  for (let kh = 0; kh < 3; kh++)
    for (let kw = 0; kw < 3; kw++) {
      if (s === 1) {
        out.push(tf.slice(xp, [0, kh, kw, 0], [n, oh, ow, ci]));
        continue;
      }
      const key = `${kh % s},${kw % s}`;
      let ph = phases.get(key);
      if (ph == null) {
        const [, hp, wp] = xp.shape;
        ph = tf.maxPool(
          tf.slice(xp, [0, kh % s, kw % s, 0], [n, hp - (kh % s), wp - (kw % s), ci]),
          1,
          s,
          "valid",
        );
        phases.set(key, ph);
      }
      out.push(tf.slice(ph, [0, Math.floor(kh / s), Math.floor(kw / s), 0], [n, oh, ow, ci]));
    }
  return out;
}

/** 'dilated' with b output columns folded into the channels: N·b channels per filter tap. */
function folded(x: T4, dy: T4, s: number, b: number): unknown {
  const [n, oh, ow, co] = dy.shape;
  const ci = x.shape[3];
  const q = Math.ceil(ow / b);
  const xp = xpad(x, s, oh, ow); // [N, Hp, Wp, Ci]
  const hp = xp.shape[1];
  const wq = (q - 1) * b * s + 3;
  const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, Hp, Wp, N]
  const wp = xT.shape[2];
  const parts: T4[] = [];
  for (let r = 0; r < b; r++) {
    const start = r * s;
    const have = Math.max(0, Math.min(wp - start, wq));
    let part = tf.slice(xT, [0, 0, start, 0], [ci, hp, have, n]);
    if (have < wq)
      part = tf.pad(part, [
        [0, 0],
        [0, 0],
        [0, wq - have],
        [0, 0],
      ]);
    parts.push(part);
  }
  const input = tf.concat(parts, 3); // [Ci, Hp, Wq, b·N], channel = r·N + n
  let dyp = dy;
  if (q * b !== ow)
    dyp = tf.pad(dy, [
      [0, 0],
      [0, 0],
      [0, q * b - ow],
      [0, 0],
    ]);
  const filter = tf.reshape(tf.transpose(dyp, [1, 2, 0, 3]), [oh, q, b * n, co]);
  const out = tf.conv2d(input as T4, filter as T4, 1, "valid", "NHWC", [s, b * s]);
  return tf.transpose(out, [1, 2, 0, 3]);
}

const variants: Record<string, (x: T4, dy: T4, s: number) => unknown> = {
  fold2: (x, dy, s) => folded(x, dy, s, 2),
  fold4: (x, dy, s) => folded(x, dy, s, 4),
  fold8: (x, dy, s) => folded(x, dy, s, 8),
  current: (x, dy, s) =>
    tf
      .engine()
      .runKernel(
        "Conv2DBackpropFilter",
        { x, dy },
        { strides: s, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, x.shape[3], dy.shape[3]] },
      ),
  im2colA: (x, dy, s) => {
    const [n, oh, ow, co] = dy.shape;
    const ci = x.shape[3];
    const cols = taps(xpad(x, s, oh, ow), s, oh, ow).map((t) =>
      tf.reshape(tf.transpose(t, [3, 0, 1, 2]), [ci, n * oh * ow]),
    );
    return tf.matMul(tf.concat(cols, 0), tf.reshape(dy, [n * oh * ow, co]));
  },
  im2colB: (x, dy, s) => {
    const [n, oh, ow, co] = dy.shape;
    const ci = x.shape[3];
    const col = tf.reshape(tf.concat(taps(xpad(x, s, oh, ow), s, oh, ow), 3), [n * oh * ow, 9 * ci]);
    return tf.transpose(tf.matMul(tf.transpose(tf.reshape(dy, [n * oh * ow, co])), col));
  },
  tapsA: (x, dy, s) => {
    const [n, oh, ow, co] = dy.shape;
    const ci = x.shape[3];
    const d = tf.reshape(dy, [n * oh * ow, co]);
    return tf.stack(
      taps(xpad(x, s, oh, ow), s, oh, ow).map((t) =>
        tf.matMul(tf.reshape(tf.transpose(t, [3, 0, 1, 2]), [ci, n * oh * ow]), d),
      ),
    );
  },
  tapsT: (x, dy, s) => {
    const [n, oh, ow, co] = dy.shape;
    const ci = x.shape[3];
    const dT = tf.transpose(tf.reshape(dy, [n * oh * ow, co]));
    return tf.transpose(
      tf.stack(
        taps(xpad(x, s, oh, ow), s, oh, ow).map((t) => tf.matMul(dT, tf.reshape(t, [n * oh * ow, ci]))),
      ),
      [0, 2, 1],
    );
  },
};

const ALL_LAYERS: [number, number, number, number, number][] = [
  // h=w, ci, co, stride, count in the net
  [256, 3, 16, 2, 1],
  [128, 16, 32, 2, 1],
  [64, 16, 16, 1, 2],
  [64, 32, 64, 2, 1],
  [32, 32, 32, 1, 4],
  [32, 64, 128, 2, 1],
  [32, 64, 64, 2, 1],
  [16, 64, 64, 1, 4],
  [16, 128, 256, 2, 1],
  [16, 128, 128, 2, 1],
  [8, 128, 128, 1, 4],
];
const only = process.env.LAYERS?.split(",").map(Number);
const LAYERS = only ? ALL_LAYERS.filter((_, i) => only.includes(i)) : ALL_LAYERS;
const names = process.env.VARIANTS?.split(",") ?? Object.keys(variants);
console.log(`| layer (x → co, s) × count | ${names.join(" | ")} |`);
console.log(`|---|${names.map(() => "---").join("|")}|`);
const totals = Object.fromEntries(names.map((k) => [k, 0]));
for (const [h, ci, co, s, count] of LAYERS) {
  const x = tf.randomNormal([8, h, h, ci]) as T4;
  const dy = tf.randomNormal([8, Math.ceil(h / s), Math.ceil(h / s), co]) as T4;
  const ref = (variants.current!(x, dy, s) as T4).dataSync();
  const cells = names.map((k) => {
    const got = (variants[k]!(x, dy, s) as T4).dataSync();
    let diff = 0;
    let scale = 0;
    got.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - ref[i]!));
      scale = Math.max(scale, Math.abs(ref[i]!));
    });
    const err = diff / scale;
    const ms = cpuTime(() => variants[k]!(x, dy, s));
    totals[k]! += ms * count;
    return `${ms.toFixed(1)}${err > 1e-4 ? ` (err ${err.toExponential(1)})` : ""}`;
  });
  console.log(`| 8×${h}²×${ci} → ${co}, s${s} × ${count} | ${cells.join(" | ")} |`);
  tf.dispose([x, dy]);
}
console.log(`| **net total** | ${names.map((k) => totals[k]!.toFixed(0)).join(" | ")} |`);
