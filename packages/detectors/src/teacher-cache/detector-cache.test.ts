import * as tf from "@tensorflow/tfjs-core";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../registry";
import { detectorTeacher } from "../teachers/detector-teacher";
import { useTestBackend } from "../testing/backend";
import { tinySynthetic } from "../testing/synthetic";
import { batchImages } from "../train/batch-tensors";
import { buildTeacherCache } from "./build";
import { fromFloat16Bits, toFloat16Bits } from "./float16";
import type { Detector } from "../detector";
import type { TrainData } from "../train/trainer";
import { TeacherCacheError } from "./manifest";
import { openTeacherCache } from "./teacher-cache";

let root: string;
beforeAll(async () => {
  await useTestBackend();
  root = await mkdtemp(path.join(os.tmpdir(), "kdet-dcache-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** ‖f16(x) − x‖ / ‖x‖ of a detector tap over an epoch, float16 rounding computed with the scalar converters. */
async function f16RelL2(teacher: Detector, data: TrainData, name: string): Promise<number> {
  let sq = 0;
  let ref = 0;
  for await (const batch of data.epoch(0)) {
    const x = batchImages(batch);
    const t = tf.tidy(() => teacher.forwardWithTaps(x, [name]).taps[name]!);
    for (const v of t.dataSync()) {
      sq += (fromFloat16Bits(toFloat16Bits(v)) - v) ** 2;
      ref += v * v;
    }
    tf.dispose([x, t]);
  }
  return Math.sqrt(sq / ref);
}

describe("teacher cache of a kdet detector (yolov8-n, synthetic 64 px)", () => {
  it("float32 equals the live taps bit for bit, float16 within rounding; detections equal predict(); identity follows the weights", async () => {
    const data = tinySynthetic({ n: 3, batchSize: 2, size: 64 });
    const teacher = createDetector("yolov8-n", { numClasses: 8, seed: 4 });
    teacher.train(true); // the teacher adapter must switch it to inference mode
    const adapter = detectorTeacher(teacher, { postprocess: { scoreThreshold: 0.01 } });
    const taps = ["neck.p3", "head.cls.p4"];
    const f32 = await buildTeacherCache(
      { teacher: adapter, dataset: data.dataset, data: data.train },
      { dir: path.join(root, "f32"), taps, dtype: "float32" },
    );
    // an untrained network's neck maps are tiny (|x| ≪ 2^-14): float16 would flush them to subnormals/zero, so the
    // float16 build is refused when its relative L2 error (computed here independently) exceeds the 1e-3 default
    const neckErr = await f16RelL2(teacher, data.train, "neck.p3");
    expect(neckErr).toBeGreaterThan(1e-3);
    const refused = await buildTeacherCache(
      { teacher: adapter, dataset: data.dataset, data: data.train },
      { dir: path.join(root, "bad"), taps },
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TeacherCacheError);
    expect([(refused as TeacherCacheError).field, (refused as TeacherCacheError).message]).toEqual([
      "taps[0]",
      expect.stringMatching(/"neck.p3" loses .* in float16.*use dtype "float32"/),
    ]);
    const f16 = await buildTeacherCache(
      { teacher: adapter, dataset: data.dataset, data: data.train },
      { dir: path.join(root, "f16"), taps, detections: false, float16MaxRelL2: 1.5 },
    );
    expect(f16.manifest.taps[0]!.float16Error!.relL2).toBeCloseTo(neckErr, 6);
    expect(f16.manifest.taps[1]!.float16Error!.relL2).toBeCloseTo(
      await f16RelL2(teacher, data.train, "head.cls.p4"),
      6,
    );
    expect(f16.manifest.taps[1]!.float16Error!.maxRel).toBeLessThanOrEqual(2 ** -11);
    expect(f32.manifest.teacher.kind).toBe("detector");
    expect(f32.manifest.teacher.variant).toBe(f16.manifest.teacher.variant);
    expect(f16.bytes).toBeLessThan(0.51 * f32.bytes + 4096);

    const c32 = await openTeacherCache(f32.dir, { teacher: adapter.identity(), dtype: "float32" });
    const c16 = await openTeacherCache(f16.dir, { dtype: "float16" });
    const before = tf.memory().numTensors;
    for await (const batch of data.train.epoch(0)) {
      const x = batchImages(batch);
      const live = tf.tidy(() => teacher.forwardWithTaps(x, taps).taps);
      const want = await teacher.predict(x, { scoreThreshold: 0.01 });
      x.dispose();
      const a = await c32.features(batch, taps);
      const b = await c16.features(batch, taps);
      for (const n of taps) {
        const ref = live[n]!.dataSync();
        expect(Array.from(a[n]!.dataSync())).toEqual(Array.from(ref));
        const got = b[n]!.dataSync();
        ref.forEach((r, i) =>
          expect(Math.abs(got[i]! - r)).toBeLessThanOrEqual(Math.max(Math.abs(r) * 2 ** -11, 2 ** -25)),
        );
      }
      const dets = await c32.detections(batch);
      dets.forEach((d, i) => {
        expect(Array.from(d.boxes)).toEqual(Array.from(want[i]!.boxes));
        expect(Array.from(d.scores)).toEqual(Array.from(want[i]!.scores));
        expect(Array.from(d.classes)).toEqual(Array.from(want[i]!.classes));
      });
      tf.dispose([...Object.values(live), ...Object.values(a), ...Object.values(b)]);
    }
    expect(tf.memory().numTensors).toBe(before);

    // other weights → another variant: the cache is refused for the changed teacher
    const w = teacher.variables().find((v) => v.trainable)!;
    tf.tidy(() => w.assign(tf.add(w, 1e-3)));
    const err = await openTeacherCache(f32.dir, { teacher: adapter.identity() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TeacherCacheError);
    expect((err as TeacherCacheError).field).toBe("teacher.variant");
    await Promise.all([c32.dispose(), c16.dispose()]);
    teacher.dispose();
  }, 60_000);
});
