import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createCwd } from "../feature/cwd";
import { createScoreL2 } from "../head/score-l2";
import { Distiller } from "./distiller";
import { alignMethod, alignSpatial } from "./feature-align";
import { useCpuBackend } from "../testing/backend";

beforeAll(useCpuBackend);

/** `[1,h,w,1]` map from rows. */
const map = (rows: number[][]) => tf.tensor4d(rows.flat(), [1, rows.length, rows[0]!.length, 1]);
const rowsOf = (t: tf.Tensor4D) => (t.arraySync() as number[][][][])[0]!.map((r) => r.map((c) => c[0]!));

/**
 * Independent oracle of bilinear resizing with half-pixel centres (TF `half_pixel_centers=True`): source coordinate
 * `(d + ½)·in/out − ½`, clamped to [0, in − 1], linear interpolation between its floor and ceil.
 */
function bilinearOracle(rows: number[][], oh: number, ow: number): number[][] {
  const H = rows.length;
  const W = rows[0]!.length;
  const src = (d: number, n: number, o: number) => Math.min(Math.max((d + 0.5) * (n / o) - 0.5, 0), n - 1);
  const at = (y: number, x: number) => rows[y]![x]!;
  return Array.from({ length: oh }, (_, i) =>
    Array.from({ length: ow }, (_, j) => {
      const y = src(i, H, oh);
      const x = src(j, W, ow);
      const [y0, x0] = [Math.floor(y), Math.floor(x)];
      const [y1, x1] = [Math.min(y0 + 1, H - 1), Math.min(x0 + 1, W - 1)];
      const [fy, fx] = [y - y0, x - x0];
      const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
      const bot = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
      return top * (1 - fy) + bot * fy;
    }),
  );
}

describe("alignSpatial", () => {
  it("integer downsampling is the mean of each covered block (hand-computed)", () => {
    const x = map([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12, 13, 14, 15],
    ]);
    expect(alignMethod([4, 4], [2, 2])).toBe("avg-pool");
    const y = alignSpatial(x, [2, 2]);
    expect(rowsOf(y)).toEqual([
      [2.5, 4.5],
      [10.5, 12.5],
    ]);
    // 4×4 → 1×2: blocks of 4 rows × 2 columns
    expect(rowsOf(alignSpatial(x, [1, 2]))).toEqual([[6.5, 8.5]]);
    tf.dispose([x, y]);
  });

  it("upsampling 2×2 → 3×3 is bilinear with half-pixel centres (hand-computed)", () => {
    const x = map([
      [0, 3],
      [6, 9],
    ]);
    expect(alignMethod([2, 2], [3, 3])).toBe("bilinear");
    const y = alignSpatial(x, [3, 3]);
    // centre row/column are the midpoints; borders clamp to the corners
    const got = rowsOf(y);
    const want = [
      [0, 1.5, 3],
      [3, 4.5, 6],
      [6, 7.5, 9],
    ];
    got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 5)));
    tf.dispose([x, y]);
  });

  it("non-integer downsampling (5 → 2, 64 → 40 like CenterNet P3 → YOLOv8 P3) matches the bilinear oracle", () => {
    // 5 → 2: sources 0.75 and 3.25 → [0.75, 3.25] on a ramp
    const r = map([[0, 1, 2, 3, 4]]);
    rowsOf(alignSpatial(r, [1, 2]))[0]!.forEach((v, j) => expect(v).toBeCloseTo([0.75, 3.25][j]!, 5));
    const rows = Array.from({ length: 64 }, (_, i) =>
      Array.from({ length: 64 }, (_, j) => Math.sin(i * 0.37) + Math.cos(j * 0.21) * i * 0.01),
    );
    const x = map(rows);
    expect(alignMethod([64, 64], [40, 40])).toBe("bilinear");
    const got = rowsOf(alignSpatial(x, [40, 40]));
    const want = bilinearOracle(rows, 40, 40);
    let worst = 0;
    got.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want[i]![j]!)))));
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([r, x]);
  });

  it("same size is an exact copy; channels and batch are kept", () => {
    const x = tf.randomNormal([2, 3, 5, 4], 0, 1, "float32", 7) as tf.Tensor4D;
    const y = alignSpatial(x, [3, 5]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    const z = alignSpatial(x, [6, 10]);
    expect(z.shape).toEqual([2, 6, 10, 4]);
    expect(() => alignSpatial(x, [0, 2])).toThrow(/positive integers/);
    tf.dispose([x, y, z]);
  });
});

describe("Distiller align: 'resize'", () => {
  it("a term with align equals the loss on the independently pooled teacher; without align sizes must match", () => {
    const s = tf.randomNormal([2, 4, 4, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const t = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const d = Distiller.create([
      { loss: { type: "cwd", tau: 1 }, weight: 1, student: "s", teacher: "t", align: "resize" },
    ]);
    const r = d.compute({ s }, { t });
    // independent: 2×2 block means of the teacher by hand (reshape/mean), then plain CWD
    const pooled = tf.tidy(() => tf.mean(tf.reshape(t, [2, 4, 2, 4, 2, 3]), [2, 4]) as tf.Tensor4D);
    const cwd = createCwd({ type: "cwd", tau: 1 });
    const ref = cwd.compute(s, pooled);
    expect(r.total.dataSync()[0]!).toBeCloseTo(ref.total.dataSync()[0]!, 5);
    tf.dispose([r.total, ...Object.values(r.parts), ref.total, ...Object.values(ref.parts), pooled]);
    cwd.dispose();
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const strict = Distiller.create([{ loss: { type: "cwd", tau: 1 }, student: "s", teacher: "t" }]);
    expect(() => strict.compute({ s }, { t })).toThrow(/spatial sizes differ/);
    strict.dispose();
    tf.dispose([s, t]);
  });

  it("teacher-side ctxFrom maps are resized too (score-l2 with 8×8 teacher features and logits for a 4×4 student)", () => {
    const s = tf.randomNormal([1, 4, 4, 6], 0, 1, "float32", 3) as tf.Tensor4D;
    const t = tf.randomNormal([1, 8, 8, 5], 0, 1, "float32", 4) as tf.Tensor4D;
    const tc = tf.randomNormal([1, 8, 8, 5], 0, 1, "float32", 5) as tf.Tensor4D;
    const cfg = { type: "score-l2", studentChannels: 6, teacherChannels: 5 } as const;
    const d = Distiller.create([
      {
        loss: cfg,
        weight: 1,
        student: "s",
        teacher: "t",
        align: "resize",
        ctxFrom: { teacherScores: "teacher:tc" },
      },
    ]);
    const r = d.compute({ s }, { t, tc });
    // independent: both teacher maps pooled 2×2 by reshape/mean, same loss config (same projector seed)
    const pool = (x: tf.Tensor4D) =>
      tf.tidy(() => tf.mean(tf.reshape(x, [1, 4, 2, 4, 2, 5]), [2, 4]) as tf.Tensor4D);
    const [pt, ptc] = [pool(t), pool(tc)];
    const ref = createScoreL2(cfg);
    const want = ref.compute(s, pt, { teacherScores: ptc });
    expect(r.total.dataSync()[0]!).toBeCloseTo(want.total.dataSync()[0]!, 5);
    const noAlign = Distiller.create([
      { loss: cfg, student: "s", teacher: "t", ctxFrom: { teacherScores: "teacher:tc" } },
    ]);
    expect(() => noAlign.compute({ s }, { t, tc })).toThrow(/spatial sizes differ/);
    tf.dispose([
      r.total,
      ...Object.values(r.parts),
      want.total,
      ...Object.values(want.parts),
      s,
      t,
      tc,
      pt,
      ptc,
    ]);
    [d, noAlign, ref].forEach((x) => x.dispose());
  });
});
