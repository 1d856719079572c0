import * as tf from "@tensorflow/tfjs-core";
import { Distiller } from "@kdet/losses";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import { buildTeacherCache } from "../teacher-cache/build";
import { openTeacherCache } from "../teacher-cache/teacher-cache";
import type { GraphTeacher } from "../teachers/graph-teacher";
import { loadTeacher } from "../teachers/registry";
import { HAVE_DATA } from "../teachers/test-helpers";
import { useTestBackend } from "../testing/backend";
import { coco128Subset } from "../testing/coco128";
import { Trainer, type TrainLog } from "./trainer";

const bytes = (t: tf.Tensor) => {
  const v = t.dataSync();
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
};

/**
 * Student yolov8-n at 64 px (P3 8×8×64, class logits P3 8×8×80) ← CenterNet at 512 px: CWD on neck.p3
 * (64×64×192 → 8×8 by 8×8 average pooling, 1×1 adapter 64 → 192) and QFL-KD on the class logits
 * (head.cls_logits 128×128×80 → 8×8 by 16×16 average pooling; same COCO-80 class order).
 */
const terms = () =>
  Distiller.create([
    {
      loss: { type: "cwd", tau: 1 },
      weight: 5,
      student: "neck.p3",
      teacher: "neck.p3",
      align: "resize",
      adapter: { inChannels: 64, outChannels: 192 },
    },
    { loss: { type: "qfl-kd" }, student: "head.cls.p3", teacher: "head.cls_logits", align: "resize" },
  ]);
const config = { epochs: 1, optimizer: { type: "sgd", lr: 0.01 }, ema: false } as const;

describe.skipIf(!HAVE_DATA)(
  "distillation from the pretrained CenterNet (2 coco128 val images, 64 px)",
  () => {
    let teacher: GraphTeacher;
    let root: string;
    beforeAll(async () => {
      await useTestBackend();
      teacher = await loadTeacher("centernet-mbv3");
      root = await mkdtemp(path.join(os.tmpdir(), "kdet-pdistill-"));
    }, 60_000);
    afterAll(async () => {
      teacher?.dispose();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("live teacher: a step updates the student and adapter, leaves the teacher unchanged and leaks nothing; the cache gives the same losses", async () => {
      const { dataset, loader } = await coco128Subset({ n: 2, size: 64, batchSize: 2 });
      const snapshot = Object.entries(teacher.model.weights).map(
        ([k, ts]) => [k, ts.map((t) => bytes(t))] as const,
      );

      const student = createDetector("yolov8-n", { numClasses: 80, seed: 3 });
      const distiller = terms();
      const before = tf.memory().numTensors;
      const student0 = namedVariables(student).map((v) => bytes(v.variable));
      const adapter0 = distiller.variables.map((v) => bytes(v));
      const live: TrainLog[] = [];
      const trainer = new Trainer({
        model: student,
        data: loader,
        config,
        distill: { teacher, distiller },
        onLog: (e) => live.push(e),
      });
      await trainer.fit();
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const s1 = namedVariables(student);
      const moved = s1.filter(
        (v, i) => v.kind !== "buffer" && Buffer.compare(bytes(v.variable), student0[i]!) !== 0,
      );
      expect(moved.length).toBeGreaterThan(0.9 * s1.filter((v) => v.kind !== "buffer").length);
      expect(
        distiller.variables.some((v, i) => v.rank === 4 && Buffer.compare(bytes(v), adapter0[i]!) !== 0),
      ).toBe(true);
      for (const [k, ts] of snapshot)
        ts.forEach((b, j) => expect(Buffer.compare(bytes(teacher.model.weights[k]![j]!), b), k).toBe(0));
      const step = live[0]!;
      if (step.kind !== "step") throw new Error("expected a step log");
      expect(Object.keys(step.parts).sort()).toEqual(["box", "cls", "cwd", "dfl", "qfl-kd"]);
      expect(Object.values(step.parts).every((v) => Number.isFinite(v) && v > 0)).toBe(true);

      // the same step from a float16 cache: identical detection parts, distillation parts within float16 rounding
      const dir = path.join(root, "cache");
      await buildTeacherCache(
        { teacher, dataset, data: loader },
        { dir, taps: ["neck.p3", "head.cls_logits"], detections: false },
      );
      const cache = await openTeacherCache(dir, {
        taps: distiller.requiredFeatures.teacher,
        inputSize: [64, 64],
      });
      const student2 = createDetector("yolov8-n", { numClasses: 80, seed: 3 });
      const distiller2 = terms();
      const before2 = tf.memory().numTensors;
      const cached: TrainLog[] = [];
      const t2 = new Trainer({
        model: student2,
        data: loader,
        config,
        distill: { teacher: cache, distiller: distiller2 },
        onLog: (e) => cached.push(e),
      });
      await t2.fit();
      t2.dispose();
      expect(tf.memory().numTensors).toBe(before2);
      const step2 = cached[0]!;
      if (step2.kind !== "step") throw new Error("expected a step log");
      for (const k of ["box", "cls", "dfl"]) expect(step2.parts[k], k).toBe(step.parts[k]);
      for (const k of ["cwd", "qfl-kd"])
        expect(Math.abs(step2.parts[k]! - step.parts[k]!) / step.parts[k]!, k).toBeLessThan(1e-3);
      await cache.dispose();
      [student, student2, distiller, distiller2].forEach((m) => m.dispose());
    }, 90_000);

    it("unknown teacher names fail when the trainer is built, naming the teacher and the known taps", async () => {
      const { loader } = await coco128Subset({ n: 2, size: 64, batchSize: 2 });
      const student = createDetector("yolov8-n", { numClasses: 80 });
      const distiller = Distiller.create([
        {
          loss: { type: "cwd" },
          student: "neck.p3",
          teacher: "neck.p9",
          align: "resize",
          adapter: { inChannels: 64, outChannels: 192 },
        },
      ]);
      expect(
        () => new Trainer({ model: student, data: loader, config, distill: { teacher, distiller } }),
      ).toThrow(/teacher centernet-mbv3 has no map "neck.p9" \(known: backbone.c3, .*scores\.s4\)/);
      [student, distiller].forEach((m) => m.dispose());
    });
  },
);
