import * as tf from "@tensorflow/tfjs-core";
import { decodeImage } from "@kdet/data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { COCO_CATEGORY_IDS } from "./coco-classes";
import { CENTERNET_FEATURES, CENTERNET_NODES } from "./centernet";
import type { GraphTeacher } from "./graph-teacher";
import { loadTeacher } from "./registry";
import { canonical, HAVE_DATA, toDets, VAL_IMAGE, type Det } from "./test-helpers";

describe.skipIf(!HAVE_DATA)("centernet-mbv3 teacher (real model, coco128 val image)", () => {
  let teacher: GraphTeacher;
  let image: Awaited<ReturnType<typeof decodeImage>>;
  beforeAll(async () => {
    await useTestBackend();
    teacher = await loadTeacher("centernet-mbv3");
    image = await decodeImage(VAL_IMAGE);
  }, 60_000);
  afterAll(() => teacher?.dispose());

  it("boxes equal the graph's own tower_0/detections, decoded independently", async () => {
    const { detections, scores, features } = await teacher.run([image]);
    // Independent reference: stretch to 512², raw 0..255, read the in-graph top-100 [x1,y1,x2,y2,score,class].
    const raw = tf.tidy(() => {
      const x = tf.image.resizeBilinear(
        tf
          .tensor3d(Float32Array.from(image.data), [image.height, image.width, 3])
          .expandDims(0) as tf.Tensor4D,
        [512, 512],
      );
      return teacher.model.execute({ "tower_0/images": x }, CENTERNET_NODES.detections) as tf.Tensor;
    });
    const rows = raw.arraySync() as number[][][];
    raw.dispose();
    const sx = image.width / 512;
    const sy = image.height / 512;
    const clip = (v: number, m: number) => Math.min(Math.max(v, 0), m);
    const expected: Det[] = rows[0]!
      .filter((r) => r[4]! >= 0.01)
      .map((r) => ({
        box: [
          clip(r[0]! * sx, image.width),
          clip(r[1]! * sy, image.height),
          clip(r[2]! * sx, image.width),
          clip(r[3]! * sy, image.height),
        ],
        score: r[4]!,
        cls: r[5]!,
      }));
    const got = canonical(toDets(detections[0]!));
    const want = canonical(expected);
    expect(want.length).toBeGreaterThan(5);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      expect(g.cls).toBe(w.cls);
      expect(g.score).toBeCloseTo(w.score, 5);
      g.box.forEach((v, j) => expect(Math.abs(v - w.box[j]!)).toBeLessThan(0.05));
    });
    const d = detections[0]!;
    expect(Array.from(d.categoryIds)).toEqual(Array.from(d.classes, (k) => COCO_CATEGORY_IDS[k]));
    // 000000000139 (a living room; gt has 2 tvs): the best detection is the tv on the left, class 62 (COCO id 72)
    expect([d.classes[0], d.categoryIds[0]]).toEqual([62, 72]);
    expect(d.scores[0]).toBeGreaterThan(0.5);
    expect(scores.s4!.shape).toEqual([1, 128, 128, 80]);
    expect(Object.keys(features)).toEqual([]);
    tf.dispose([...Object.values(scores), ...Object.values(features)]);
  }, 60_000);

  it("feature taps have the documented NHWC shapes; class logits are the heatmap's pre-sigmoid", async () => {
    const names = teacher.featureNames;
    expect(names).toEqual(Object.keys(CENTERNET_FEATURES));
    const out = await teacher.run([image], { features: names, skipDetections: true });
    for (const n of names) expect(out.features[n]!.shape, n).toEqual([...teacher.featureInfo[n]!.shape]);
    expect(out.features["neck.p3"]!.shape).toEqual([1, 64, 64, 192]);
    expect(out.features["backbone.out"]!.shape).toEqual([1, 16, 16, 480]);
    const diff = tf.tidy(
      () =>
        tf.max(tf.abs(tf.sub(tf.sigmoid(out.features["head.cls_logits"]!), out.scores.s4!))).dataSync()[0]!,
    );
    expect(diff).toBeLessThan(1e-5);
    expect(out.detections[0]!.scores.length).toBe(0);
    tf.dispose([...Object.values(out.scores), ...Object.values(out.features)]);
  }, 60_000);

  it("batch tensor input gives the same results as images, and two runs leak no tensors", async () => {
    const one = await teacher.run([image], { features: ["neck.p4"] });
    tf.dispose([...Object.values(one.scores), ...Object.values(one.features)]);
    const before = tf.memory().numTensors;
    const batch = tf.tidy(
      () =>
        tf.stack([
          tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]),
          tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]),
        ]) as tf.Tensor4D,
    );
    const two = await teacher.run(batch, { features: ["neck.p4"] });
    batch.dispose();
    expect(two.detections.length).toBe(2);
    expect(two.features["neck.p4"]!.shape).toEqual([2, 32, 32, 256]);
    expect(Array.from(two.detections[1]!.boxes)).toEqual(Array.from(one.detections[0]!.boxes));
    tf.dispose([...Object.values(two.scores), ...Object.values(two.features)]);
    const again = await teacher.run([image], { features: ["neck.p4", "backbone.c3"] });
    tf.dispose([...Object.values(again.scores), ...Object.values(again.features)]);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
