import * as tf from "@tensorflow/tfjs-core";
import { featureInfo } from "@kdet/core";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTraining } from "../nn/training-mode";
import { createDetector } from "../registry";
import { buildTeacherCache } from "../teacher-cache/build";
import { openTeacherCache } from "../teacher-cache/teacher-cache";
import { useTestBackend } from "../testing/backend";
import { tinySynthetic } from "../testing/synthetic";
import { batchImages } from "../train/batch-tensors";
import { detectorTeacher } from "./detector-teacher";
import { inferBatch } from "./infer-batch";
import type { Teacher, TeacherResult } from "./teacher";

let root: string;
beforeAll(async () => {
  await useTestBackend();
  root = await mkdtemp(path.join(os.tmpdir(), "kdet-teacher-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every returned map has the channels its description announces, and its size (fixed, or ⌈H/stride⌉ × ⌈W/stride⌉). */
function expectDescribed(t: Teacher, r: TeacherResult, names: readonly string[], H: number, W: number): void {
  expect(Object.keys(r.maps).sort()).toEqual([...names].sort());
  for (const n of names) {
    const info = t.maps[n]!;
    const [, h, w, c] = r.maps[n]!.shape;
    expect(c).toBe(info.channels);
    expect([h, w]).toEqual(
      info.size ? [...info.size] : [Math.ceil(H / info.stride), Math.ceil(W / info.stride)],
    );
  }
}

describe("Teacher adapters (a kdet detector and the cache built from it)", () => {
  it("describe their maps up front, give exactly the requested maps as described, and the same values", async () => {
    const data = tinySynthetic({ n: 2, batchSize: 2, size: 64 });
    const det = createDetector("yolov8-n", { numClasses: 8, seed: 3 });
    det.train(true);
    const live = detectorTeacher(det, { postprocess: { scoreThreshold: 0.01 } });
    expect(isTraining(det)).toBe(false); // the adapter put BatchNorm in inference mode
    const declared = featureInfo(det);
    expect(Object.keys(live.maps).sort()).toEqual(Object.keys(declared).sort());
    expect(live.maps["neck.p3"]).toEqual({ channels: 64, stride: 8 });
    let first: Parameters<typeof inferBatch>[1] | undefined;
    for await (const b of data.train.epoch(0)) first ??= b;
    await expect(inferBatch(live, first!, { maps: ["neck.p9"] })).rejects.toThrow(
      /teacher yolov8-n has no map "neck.p9" \(known: .*neck\.p3/,
    );

    const names = ["neck.p3", "head.cls.p4"];
    const built = await buildTeacherCache(
      { teacher: live, dataset: data.dataset, data: data.train },
      { dir: path.join(root, "c"), taps: names, dtype: "float32" },
    );
    const cache = await openTeacherCache(built.dir, { teacher: live.identity() });
    expect(cache.id).toBe("yolov8-n");
    expect(cache.identity()).toEqual(live.identity());
    expect(cache.maps["neck.p3"]).toEqual({ channels: 64, stride: 8, size: [8, 8] });

    const before = tf.memory().numTensors;
    for await (const batch of data.train.epoch(0)) {
      const images = batchImages(batch);
      const a = await live.infer({ batch, images }, { maps: names, detections: true });
      const b = await cache.infer({ batch, images }, { maps: names, detections: true });
      const want = await det.predict(images, { scoreThreshold: 0.01 });
      expectDescribed(live, a, names, batch.height, batch.width);
      expectDescribed(cache, b, names, batch.height, batch.width);
      for (const n of names)
        expect(Array.from(b.maps[n]!.dataSync())).toEqual(Array.from(a.maps[n]!.dataSync()));
      a.detections!.forEach((d, i) => {
        expect(Array.from(d.scores)).toEqual(Array.from(want[i]!.scores));
        expect(Array.from(b.detections![i]!.boxes)).toEqual(Array.from(want[i]!.boxes));
      });
      tf.dispose([images, ...Object.values(a.maps), ...Object.values(b.maps)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    await cache.dispose();
    live.dispose();
  }, 120_000);
});
