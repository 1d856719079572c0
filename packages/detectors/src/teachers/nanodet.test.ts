import * as tf from "@tensorflow/tfjs-core";
import { decodeImage } from "@kdet/data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import type { GraphTeacher } from "./graph-teacher";
import { NANODET_FEATURES } from "./nanodet";
import { loadTeacher } from "./registry";
import { canonical, HAVE_DATA, simpleNms, toDets, VAL_IMAGE, type Det } from "./test-helpers";

describe.skipIf(!HAVE_DATA)("nanodet-g teacher (real model, coco128 val image)", () => {
  let teacher: GraphTeacher;
  let image: Awaited<ReturnType<typeof decodeImage>>;
  beforeAll(async () => {
    await useTestBackend();
    teacher = await loadTeacher("nanodet-g");
    image = await decodeImage(VAL_IMAGE);
  }, 60_000);
  afterAll(() => teacher?.dispose());

  it("boxes equal the raw Identity outputs decoded independently (plain loops, own BGR/NCHW input, own NMS)", async () => {
    const { detections, scores } = await teacher.run([image]);
    // Independent input: stretch to 416², then BGR, mean/std and NCHW with plain loops.
    const resized = tf.tidy(() =>
      tf.image.resizeBilinear(
        tf
          .tensor3d(Float32Array.from(image.data), [image.height, image.width, 3])
          .expandDims(0) as tf.Tensor4D,
        [416, 416],
      ),
    );
    const px = resized.dataSync();
    resized.dispose();
    const mean = [103.53, 116.28, 123.675];
    const std = [57.375, 57.12, 58.395];
    const nchw = new Float32Array(3 * 416 * 416);
    for (let i = 0; i < 416 * 416; i++)
      for (let c = 0; c < 3; c++) nchw[c * 416 * 416 + i] = (px[i * 3 + (2 - c)]! - mean[c]!) / std[c]!;
    const input = tf.tensor4d(nchw, [1, 3, 416, 416]);
    const names = ["Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4", "Identity_5"];
    const outs = teacher.model.execute({ input_1: input }, names) as tf.Tensor[];
    input.dispose();
    const arrays = outs.map((t) => t.dataSync());
    tf.dispose(outs);
    const cands: Det[] = [];
    [8, 16, 32].forEach((stride, lvl) => {
      const g = 416 / stride;
      const cls = arrays[lvl]!;
      const reg = arrays[lvl + 3]!;
      for (let i = 0; i < g * g; i++) {
        let best = 0;
        for (let k = 1; k < 80; k++) if (cls[i * 80 + k]! > cls[i * 80 + best]!) best = k;
        const score = cls[i * 80 + best]!;
        if (score < 0.05) continue;
        const dist = [0, 1, 2, 3].map((s) => {
          const logits = Array.from({ length: 11 }, (_, b) => reg[i * 44 + s * 11 + b]!);
          const m = Math.max(...logits);
          const e = logits.map((v) => Math.exp(v - m));
          const z = e.reduce((a, b) => a + b, 0);
          return (stride * e.reduce((a, v, b) => a + b * v, 0)) / z;
        });
        const cx = ((i % g) + 0.5) * stride;
        const cy = (Math.floor(i / g) + 0.5) * stride;
        cands.push({ box: [cx - dist[0]!, cy - dist[1]!, cx + dist[2]!, cy + dist[3]!], score, cls: best });
      }
    });
    const sx = image.width / 416;
    const sy = image.height / 416;
    const clip = (v: number, m: number) => Math.min(Math.max(v, 0), m);
    const want = canonical(
      simpleNms(cands, 0.6, 100).map((d) => ({
        ...d,
        box: [
          clip(d.box[0] * sx, image.width),
          clip(d.box[1] * sy, image.height),
          clip(d.box[2] * sx, image.width),
          clip(d.box[3] * sy, image.height),
        ] as Det["box"],
      })),
    );
    const got = canonical(toDets(detections[0]!));
    expect(want.length).toBeGreaterThan(5);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      expect(g.cls).toBe(w.cls);
      expect(g.score).toBeCloseTo(w.score, 5);
      g.box.forEach((v, j) => expect(Math.abs(v - w.box[j]!)).toBeLessThan(0.05));
    });
    // the scores map is the per-location class confidence, level by level, NHWC
    expect(Object.fromEntries(Object.entries(scores).map(([k, t]) => [k, t.shape]))).toEqual({
      s8: [1, 52, 52, 80],
      s16: [1, 26, 26, 80],
      s32: [1, 13, 13, 80],
    });
    const s16 = scores.s16!.dataSync();
    s16.subarray(0, 80).forEach((v, k) => expect(Math.abs(v - arrays[1]![k]!)).toBeLessThan(1e-5));
    tf.dispose(Object.values(scores));
  }, 60_000);

  it("feature taps have the documented shapes (NCHW taps transposed to NHWC); raw head logits match the scores", async () => {
    const names = teacher.featureNames;
    expect(names).toEqual(Object.keys(NANODET_FEATURES));
    const out = await teacher.run([image], { features: names, skipDetections: true });
    for (const n of names) expect(out.features[n]!.shape, n).toEqual([...teacher.featureInfo[n]!.shape]);
    expect(out.features["backbone.c4"]!.shape).toEqual([1, 26, 26, 256]);
    expect(out.features["neck.p3"]!.shape).toEqual([1, 52, 52, 128]);
    const diff = tf.tidy(
      () =>
        tf
          .max(
            tf.abs(
              tf.sub(
                tf.sigmoid(tf.slice(out.features["head.raw_p4"]!, [0, 0, 0, 0], [1, 26, 26, 80])),
                out.scores.s16!,
              ),
            ),
          )
          .dataSync()[0]!,
    );
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([...Object.values(out.scores), ...Object.values(out.features)]);
  }, 60_000);

  it("two runs with features leak no tensors", async () => {
    const warm = await teacher.run([image], { features: ["neck.p5"] });
    tf.dispose([...Object.values(warm.scores), ...Object.values(warm.features)]);
    const before = tf.memory().numTensors;
    for (let r = 0; r < 2; r++) {
      const o = await teacher.run([image, image], { features: ["neck.p5", "head.p3"] });
      expect(o.features["head.p3"]!.shape).toEqual([2, 52, 52, 128]);
      expect(Array.from(o.detections[1]!.scores)).toEqual(Array.from(o.detections[0]!.scores));
      tf.dispose([...Object.values(o.scores), ...Object.values(o.features)]);
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
