import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { fsdMasks } from "../masks/fsd-mask";
import { useCpuBackend } from "../testing/backend";
import { checkLossAndGrads, expectRel, expectTrainable, goldenBoxes, param } from "../testing/feature-golden";
import { featureNhwc, type GoldenFile, goldenArray, loadGoldens, toTensor } from "../testing/golden";
import { createFsd } from "./fsd";

beforeAll(useCpuBackend);

const files = loadGoldens("fsd_authors");

/** The file's masks `[N,H,W]` against ours at one precision: element-wise atol and the same foreground set. */
function expectMasks(file: GoldenFile, precision: "float32" | "float64", h: number, w: number): number {
  const suffix = precision === "float32" ? "f32" : "f64";
  const boxes = goldenBoxes(file.inputs.gt_bboxes);
  const imgShapes = param<[number, number][]>(file, "img_shapes");
  const opts = { scaleX: param(file, "scale_x"), scaleY: param(file, "scale_y"), precision };
  const ours = boxes.map((b, i) => fsdMasks(b, h, w, imgShapes[i]!, opts));
  const inter = file.expected[`intermediates_${suffix}`] as Record<string, unknown>;
  const atol = file.tolerance[`masks_atol_${suffix}`]!;
  let worst = 0;
  for (const key of ["fg", "bg"] as const) {
    const ref = goldenArray(inter[key === "fg" ? "Mask_fg" : "Mask_bg"], `${file.vector} ${key}`)
      .data as number[];
    const mine = ours.flatMap((m) => Array.from(m[key]));
    expect(mine.length).toBe(ref.length);
    for (let k = 0; k < ref.length; k++) {
      const err = Math.abs(mine[k]! - ref[k]!);
      worst = Math.max(worst, err);
      expect(
        err,
        `${file.vector} ${precision} Mask_${key}[${k}]: ${mine[k]} vs ${ref[k]}`,
      ).toBeLessThanOrEqual(atol);
      if (key === "fg")
        expect(mine[k]! > 0, `${file.vector} ${precision} foreground cell ${k}`).toBe(ref[k]! > 0);
    }
  }
  return worst;
}

describe("fsd goldens (the authors' fg_bgLoss)", () => {
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const gamma = param(file, "gamma_fgd");
      const lambda = param(file, "lambda_fgd");
      const loss = createFsd({
        temp: param(file, "temp"),
        gamma,
        lambda,
        studentChannels: param(file, "student_channels"),
        teacherChannels: param(file, "teacher_channels"),
      });
      const weights = Object.fromEntries(Object.entries(file.weights).map(([k, v]) => [k, toTensor(v, k)]));
      loss.loadTorch(weights);
      const ctx = {
        boxes: goldenBoxes(file.inputs.gt_bboxes),
        imgShapes: param<[number, number][]>(file, "img_shapes"),
        scaleX: param(file, "scale_x"),
        scaleY: param(file, "scale_y"),
      };
      const unweighted: Record<string, (p: Record<string, number>) => number> = {
        fg_loss: (p) => p.fg!,
        bg_loss: (p) => p.bg!,
        mask_loss: (p) => p.mask! / gamma,
        rela_loss: (p) => p.rela! / lambda,
      };
      // loss_f64, components_f64 and grad_student_f64 (w.r.t. the raw, pre-align student)
      const parts = checkLossAndGrads(file, loss, [s], [t], ctx, (k, p) => unweighted[k]?.(p));
      // and the reference's own float32 run
      expectRel(file, parts.total!, file.expected.loss_f32 as number, "loss_f32");
      for (const [k, v] of Object.entries(file.expected.components_f32 as Record<string, number>))
        expectRel(file, unweighted[k]!(parts), v, `components_f32.${k}`);
      const [, h, w] = t.shape as number[];
      expectMasks(file, "float64", h!, w!);
      expectMasks(file, "float32", h!, w!);
      loss.dispose();
      tf.dispose([s, t, ...Object.values(weights)]);
    });
  }
});

describe("fsd masks: a 64 px image with one 12×20 px object at (20,18)–(32,38), strides 8/16/32", () => {
  const box = [20, 18, 32, 38];
  const masks = (h: number) => fsdMasks(box, h, h, [64, 64], { precision: "float64" });
  const cells = (m: ArrayLike<number>, w: number) =>
    Array.from(m).flatMap((v, k) => (v > 0 ? [[Math.floor(k / w), k % w]] : []));
  /** G = a·exp(−½[(ρ − x̄)²/x̄² + (γ − ȳ)²/ȳ²]) (row ρ against the HORIZONTAL centre x̄: the reference's swap). */
  const gauss = (a: number, rho: number, gam: number, xc: number, yc: number) =>
    a * Math.exp(-0.5 * ((rho - xc) ** 2 / (xc + 1e-8) ** 2 + (gam - yc) ** 2 / (yc + 1e-8) ** 2));

  it("stride 8 (8×8): box rows 2–5 × cols 2–4 at 1/12, a one-sided halo (row 1, col 1), bg 1/44", () => {
    // x' = 2.5…4, y' = 2.25…4.75: c0 2, c1 4, r0 2, r1 5; a = 1/(4·3); x̄ = 3.25, ȳ = 3.5.
    // d_r = ⌊3/2⌋ = 1, d_c = ⌊2/2⌋ = 1: block rows [1,6) → linspace(1,6,5) = 1, 2.25, 3.5, 4.75, 6;
    // cols [1,5) → linspace(1,5,4) = 1, 7/3, 11/3, 5. The fill (a ≥ every G) covers rows 2–5 × cols 2–4.
    const { fg, bg } = masks(8);
    const a = 1 / 12;
    const expected = new Float64Array(64);
    const rows = [1, 2.25, 3.5, 4.75, 6];
    const cols = [1, 7 / 3, 11 / 3, 5];
    rows.forEach((rho, i) =>
      cols.forEach((gam, k) => (expected[(1 + i) * 8 + 1 + k] = gauss(a, rho, gam, 3.25, 3.5))),
    );
    for (let r = 2; r <= 5; r++) for (let c = 2; c <= 4; c++) expected[r * 8 + c] = a;
    Array.from(fg).forEach((v, k) => expect(v, `cell ${k}`).toBeCloseTo(expected[k]!, 14));
    // the halo: row 1 (cols 1–4) above and col 1 (rows 1–5) to the left, nothing below or to the right
    expect(cells(fg, 8)).toEqual([1, 2, 3, 4, 5].flatMap((r) => [1, 2, 3, 4].map((c) => [r, c])));
    // (the reference adds 1e-8 to each width)
    const e = -0.5 * (2.25 ** 2 / (3.25 + 1e-8) ** 2 + 2.5 ** 2 / (3.5 + 1e-8) ** 2);
    expect(fg[1 * 8 + 1]).toBeCloseTo(a * Math.exp(e), 14);
    expect(fg[1 * 8 + 1]! / a).toBeCloseTo(0.60973, 5); // exp(−0.4947)
    Array.from(bg).forEach((v, k) => expect(v).toBeCloseTo(fg[k]! > 0 ? 0 : 1 / 44, 14));
  });

  it("stride 16 (4×4): rows 1–3 × cols 1–2 at 1/6 and one halo cell (0,1), bg 1/9", () => {
    // x' = 1.25…2, y' = 1.125…2.375: c0 1, c1 2, r0 1, r1 3; a = 1/(3·2); x̄ = 1.625, ȳ = 1.75.
    // d_r = 1, d_c = 0: block rows [0,4) (linspace 0, 4/3, 8/3, 4) × the single col 1 (coordinate 1).
    const { fg, bg } = masks(4);
    const a = 1 / 6;
    expect(cells(fg, 4)).toEqual([
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
      [3, 1],
      [3, 2],
    ]);
    // halo (0,1): ρ = 0, γ = 1 → a·exp(−½[1 + (0.75/1.75)²])
    expect(fg[1]).toBeCloseTo(
      a * Math.exp(-0.5 * ((1.625 / (1.625 + 1e-8)) ** 2 + (0.75 / (1.75 + 1e-8)) ** 2)),
      14,
    );
    expect(fg[1]! / a).toBeCloseTo(0.5533, 4);
    for (const k of [5, 6, 9, 10, 13, 14]) expect(fg[k]).toBeCloseTo(a, 14);
    Array.from(bg).forEach((v, k) => expect(v).toBeCloseTo(fg[k]! > 0 ? 0 : 1 / 9, 14));
  });

  it("stride 32 (2×2): the whole map at 1/6 (a counts the phantom row r1 = H = 2), no background", () => {
    // x' = 0.625…1, y' = 0.5625…1.1875: c0 0, c1 1, r0 0, r1 2 = H; a = 1/(3·2) before the clip.
    const { fg, bg } = masks(2);
    Array.from(fg).forEach((v) => expect(v).toBeCloseTo(1 / 6, 14));
    expect(Array.from(bg)).toEqual([0, 0, 0, 0]);
  });

  it("float32 masks equal the float64 ones to float32 rounding here (no underflow in this range)", () => {
    for (const h of [8, 4, 2]) {
      const a = fsdMasks(box, h, h, [64, 64]);
      const b = masks(h);
      Array.from(a.fg).forEach((v, k) => expect(v).toBeCloseTo(b.fg[k]!, 7));
    }
  });

  it("float32 underflow leaves far halo cells in the background, float64 keeps them (quirk 7)", () => {
    // a box on the left edge, x' = 0…1 (x̄ = 0.5), y' = 0.5…6.5: fill rows 0–7, d_r = 3, block rows
    // [0,10) at linspace(0,10,10); the halo cell (9,0) has ρ = 10: exponent −½[(9.5/0.5)² + 1] = −181
    const tall = [0, 4, 8, 52];
    const f32 = fsdMasks(tall, 20, 20, [160, 160], { precision: "float32" }).fg;
    const f64 = fsdMasks(tall, 20, 20, [160, 160], { precision: "float64" }).fg;
    const far = 9 * 20; // row 9, col 0
    expect(f64[far]! / ((1 / 16) * Math.exp(-181))).toBeCloseTo(1, 4); // a = 1/(8·2)
    expect(f64[far]!).toBeGreaterThan(0);
    expect(f32[far]).toBe(0);
  });
});

describe("fsd", () => {
  const s = tf.randomNormal([2, 8, 8, 6], 0, 1, "float32", 1);
  const t = tf.randomNormal([2, 8, 8, 8], 0, 1, "float32", 2);
  const ctx = {
    boxes: [Float32Array.from([20, 18, 32, 38]), new Float32Array(0)],
    imageSize: [64, 64] as [number, number],
  };

  it("one object per image still gives a foreground term (the softmax covers every cell)", () => {
    const loss = createFsd({ studentChannels: 6, teacherChannels: 8 });
    const r = loss.compute(s, t, ctx);
    expect(r.parts.fg!.dataSync()[0]).toBeGreaterThan(1e-3);
    expect(r.parts.bg!.dataSync()[0]).toBeGreaterThan(1e-3);
    loss.dispose();
    const eq = createFsd({ teacherChannels: 8 });
    const z = eq.compute(t, t, ctx);
    expect(z.parts.fg!.dataSync()[0]).toBe(0);
    expect(z.parts.bg!.dataSync()[0]).toBe(0);
    eq.dispose();
    tf.dispose([r.total, ...Object.values(r.parts), z.total, ...Object.values(z.parts)]);
  });

  it("align conv and both GcBlocks train with one SGD step; conv_mask_s does not exist as a variable", () => {
    const loss = createFsd({ studentChannels: 6, teacherChannels: 8, gamma: 1, lambda: 1 });
    // align 2 + teacher GcBlock 8 (conv_mask_t 2, conv 2, LN 2, conv 2) + student GcBlock 6 (no own context conv)
    expect(loss.variables.length).toBe(2 + 8 + 6);
    for (const gc of [loss.gcStudent, loss.gcTeacher])
      gc.add2.weight.assign(tf.randomNormal(gc.add2.weight.shape, 0, 0.5, "float32", 7));
    expectTrainable(loss, s, t, ctx);
    loss.dispose();
  });

  it("loadTorch names the bad key; conv_mask_s is accepted and ignored", () => {
    const loss = createFsd({ teacherChannels: 8 });
    expect(() => loss.loadTorch({ "conv_mask_x.weight": tf.zeros([1]) })).toThrow(
      /unknown weight 'conv_mask_x.weight'/,
    );
    expect(() => loss.loadTorch({ "conv_mask_s.weight": tf.zeros([1, 8, 1, 1]) })).toThrow(
      /missing weight 'conv_mask_t.weight'/,
    );
    loss.dispose();
  });

  it("needs boxes and an image size", () => {
    const loss = createFsd({ teacherChannels: 8 });
    expect(() => loss.compute(t, t, { boxes: ctx.boxes })).toThrow(/imageSize/);
    expect(() => loss.compute(t, t, {})).toThrow(/boxes/);
    loss.dispose();
  });
});
