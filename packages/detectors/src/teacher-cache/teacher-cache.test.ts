import * as tf from "@tensorflow/tfjs-core";
import type { Batch, BatchLoader, Dataset } from "@kdet/data";
import { mkdtemp, readdir, readFile, rm, truncate, writeFile, cp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphTeacher } from "../teachers/graph-teacher";
import { loadTeacher } from "../teachers/registry";
import { HAVE_DATA } from "../teachers/test-helpers";
import { useTestBackend } from "../testing/backend";
import { coco128Subset } from "../testing/coco128";
import { batchImages } from "../train/batch-tensors";
import { buildTeacherCache } from "./build";
import { datasetFingerprint, inputHash } from "./fingerprint";
import { TeacherCacheError } from "./manifest";
import { openTeacherCache } from "./teacher-cache";

/** Max relative error over |ref| ≥ 2^-14 (float16's normal range) and max absolute error below it. */
function f16Errors(got: Float32Array, ref: Float32Array): { rel: number; absSmall: number } {
  let rel = 0;
  let absSmall = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const e = Math.abs(got[i]! - r);
    if (Math.abs(r) >= 2 ** -14) rel = Math.max(rel, e / Math.abs(r));
    else absSmall = Math.max(absSmall, e);
  }
  return { rel, absSmall };
}

async function errorOf(p: Promise<unknown>): Promise<TeacherCacheError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TeacherCacheError);
    return e as TeacherCacheError;
  }
  throw new Error("expected a TeacherCacheError");
}

const TAPS = ["neck.p3", "backbone.c5", "scores.s4"];

describe.skipIf(!HAVE_DATA)(
  "teacher cache of the pretrained CenterNet (3 coco128 val images, 96 px batches)",
  () => {
    let teacher: GraphTeacher;
    let dataset: Dataset;
    let loader: BatchLoader;
    let root: string;
    let dir: string;
    beforeAll(async () => {
      await useTestBackend();
      teacher = await loadTeacher("centernet-mbv3");
      ({ dataset, loader } = await coco128Subset({ n: 3, size: 96, batchSize: 2 }));
      root = await mkdtemp(path.join(os.tmpdir(), "kdet-cache-"));
      dir = path.join(root, "centernet");
    }, 60_000);
    afterAll(async () => {
      teacher?.dispose();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("round-trips the live teacher's maps within float16 rounding and its detections exactly; no tensor leaks", async () => {
      const built = await buildTeacherCache({ teacher, dataset, data: loader }, { dir, taps: TAPS });
      expect(built.manifest.samples.map((s) => s.id)).toEqual(dataset.records.map((r) => String(r.imageId)));
      expect(built.manifest.taps.map((t) => [t.name, t.shape])).toEqual([
        ["neck.p3", [64, 64, 192]],
        ["backbone.c5", [16, 16, 120]],
        ["scores.s4", [128, 128, 80]],
      ]);
      // float16: 2 bytes per value, 3 samples
      const values = 64 * 64 * 192 + 16 * 16 * 120 + 128 * 128 * 80;
      expect(built.bytes).toBeGreaterThan(3 * values * 2);
      expect(built.bytes).toBeLessThan(3 * values * 2 + 64 * 1024);
      expect((await readdir(root)).sort()).toEqual(["centernet"]); // no temporary folder left

      const cache = await openTeacherCache(dir, {
        teacher: teacher.identity(),
        taps: TAPS,
        datasetFingerprint: datasetFingerprint(dataset),
        inputSize: [96, 96],
      });
      const worst: Record<string, { rel: number; absSmall: number }> = {};
      for await (const batch of loader.epoch(0)) {
        const x = batchImages(batch);
        const live = await teacher.infer({ batch, images: x }, { maps: TAPS, detections: true });
        x.dispose();
        const cached = await cache.features(batch, TAPS);
        for (const name of TAPS) {
          expect(cached[name]!.shape).toEqual(live.maps[name]!.shape);
          const e = f16Errors(
            cached[name]!.dataSync() as Float32Array,
            live.maps[name]!.dataSync() as Float32Array,
          );
          worst[name] = {
            rel: Math.max(worst[name]?.rel ?? 0, e.rel),
            absSmall: Math.max(worst[name]?.absSmall ?? 0, e.absSmall),
          };
        }
        const dets = await cache.detections(batch);
        dets.forEach((d, i) => {
          const l = live.detections![i]!;
          expect(l.scores.length).toBeGreaterThan(0);
          expect(Array.from(d.boxes)).toEqual(Array.from(l.boxes));
          expect(Array.from(d.scores)).toEqual(Array.from(l.scores));
          expect(Array.from(d.classes)).toEqual(Array.from(l.classes));
        });
        tf.dispose([...Object.values(live.maps), ...Object.values(cached)]);
      }
      console.log(`[teacher-cache] float16 vs float32, CenterNet: ${JSON.stringify(worst)}`);
      for (const [k, name] of TAPS.entries()) {
        expect(worst[name]!.rel).toBeLessThanOrEqual(2 ** -11); // round to nearest: ≤ half an ulp of 10 mantissa bits
        expect(built.manifest.taps[k]!.float16Error!.maxRel).toBeCloseTo(worst[name]!.rel, 9); // the build measured the same
        expect(worst[name]!.absSmall).toBeLessThanOrEqual(2 ** -25); // subnormal spacing 2^-24
      }

      const before = tf.memory().numTensors;
      for (let k = 0; k < 2; k++) {
        for await (const batch of loader.epoch(0))
          tf.dispose(Object.values(await cache.features(batch, ["neck.p3", "scores.s4"])));
      }
      expect(tf.memory().numTensors).toBe(before);
      await cache.dispose();
    }, 60_000);

    it("refuses a cache whose manifest names another teacher, taps, dataset, input size or a bad field", async () => {
      const fp = datasetFingerprint(dataset);
      expect((await errorOf(openTeacherCache(dir, { teacher: { id: "nanodet-g" } }))).field).toBe(
        "teacher.id",
      );
      expect(
        (
          await errorOf(
            openTeacherCache(dir, {
              teacher: { id: "centernet-mbv3", variant: "resize:letterbox;input:512x512" },
            }),
          )
        ).field,
      ).toBe("teacher.variant");
      const taps = await errorOf(openTeacherCache(dir, { taps: ["neck.p3", "neck.p4"] }));
      expect([taps.field, taps.message]).toEqual(["taps", expect.stringContaining('"neck.p4"')]);
      const other = (await coco128Subset({ n: 2, size: 96, batchSize: 2 })).dataset;
      expect(datasetFingerprint(other)).not.toBe(fp);
      expect(
        (await errorOf(openTeacherCache(dir, { datasetFingerprint: datasetFingerprint(other) }))).field,
      ).toBe("dataset.fingerprint");
      expect((await errorOf(openTeacherCache(dir, { inputSize: [128, 128] }))).field).toBe("inputSize");

      // a copy with a malformed manifest field, then with a truncated tap file
      const bad = path.join(root, "bad");
      await cp(dir, bad, { recursive: true });
      const m = JSON.parse(await readFile(path.join(bad, "manifest.json"), "utf8"));
      await writeFile(path.join(bad, "manifest.json"), JSON.stringify({ ...m, dtype: "float8" }));
      const parse = await errorOf(openTeacherCache(bad));
      expect([parse.field, parse.message]).toEqual(["dtype", expect.stringContaining("manifest.json")]);
      await writeFile(path.join(bad, "manifest.json"), JSON.stringify(m));
      await truncate(path.join(bad, "tap-1.f16"), 100);
      expect((await errorOf(openTeacherCache(bad))).field).toBe("taps[1].file");
      await rm(bad, { recursive: true });

      // no silent overwrite; a failing build leaves nothing behind
      expect(
        (await errorOf(buildTeacherCache({ teacher, dataset, data: loader }, { dir, taps: TAPS }))).field,
      ).toBe("dir");
      await expect(
        buildTeacherCache(
          { teacher, dataset, data: loader },
          { dir: path.join(root, "x"), taps: ["neck.p9"] },
        ),
      ).rejects.toThrow(/buildTeacherCache: teacher centernet-mbv3 has no map "neck.p9"/);
      expect((await readdir(root)).sort()).toEqual(["centernet"]);
    }, 60_000);

    it("refuses augmented inputs it was not built from; seeded augmentation is served for the cached epochs", async () => {
      const aug = { mosaic: 0, affine: false as const, flip: 0.5 };
      const { dataset: ds, loader: augLoader } = await coco128Subset({
        n: 3,
        size: 96,
        batchSize: 3,
        augment: aug,
        seed: 7,
      });
      const plain = await openTeacherCache(dir, { taps: ["neck.p3"] });
      const e0 = (await augLoader.epoch(0).next()).value as Batch;
      const e1 = (await augLoader.epoch(1).next()).value as Batch;
      // HSV jitter changes every augmented input: the plain cache must refuse them, naming the sample
      const refused = await errorOf(plain.features(e0, ["neck.p3"]));
      expect([refused.field, refused.message]).toEqual([
        "samples.inputHash",
        expect.stringMatching(/sample "000000000139" \(batch item 0\) differ/),
      ]);
      await plain.dispose();

      const augDir = path.join(root, "aug");
      await buildTeacherCache(
        { teacher, dataset: ds, data: augLoader },
        { dir: augDir, taps: ["neck.p3"], detections: false },
      );
      const cache = await openTeacherCache(augDir);
      tf.dispose(Object.values(await cache.features(e0, ["neck.p3"]))); // epoch 0 was cached
      const changed = e1.items.map((_, i) => inputHash(e1, i) !== inputHash(e0, i));
      expect(changed.some(Boolean)).toBe(true);
      expect((await errorOf(cache.features(e1, ["neck.p3"]))).field).toBe("samples.inputHash");
      await cache.dispose();
      await rm(augDir, { recursive: true });
    }, 60_000);
  },
);
