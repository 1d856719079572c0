/**
 * bench/train/distill-step.ts: `Trainer` step time of a student alone and of the same student distilled from a
 * trained-detector teacher (CWD on P3–P5 with 1×1 adapters), steps interleaved (one of each per round) so that a
 * change of machine load hits both alike. The ratio distilled / alone is the teacher path's cost.
 *
 *   pnpm exec tsx bench/train/distill-step.ts [--student yolov8-n] [--teacher yolov8-s] [--size 320] [--batch 8]
 *                                             [--steps 4] [--warmup 1]
 * Prints a table and one JSON line; records the load average before and after.
 */
import { register } from "node:module";
import os from "node:os";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

const { featureInfo, initBackend, Rng } = await import("@kdet/core");
const det = await import("@kdet/detectors");
const { Distiller } = await import("@kdet/losses");

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const studentId = opt("--student", "yolov8-n");
const teacherId = opt("--teacher", "yolov8-s");
const size = Number(opt("--size", "320"));
const batchSize = Number(opt("--batch", "8"));
const steps = Number(opt("--steps", "4"));
const warmup = Number(opt("--warmup", "1"));
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(", ");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A fixed batch of random pixels with 1–4 random boxes per image (8 classes). */
function randomBatch(seed: number) {
  const rng = new Rng(seed);
  const images = new Float32Array(batchSize * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.next();
  const items = Array.from({ length: batchSize }, (_, i) => {
    const n = rng.int(1, 5);
    const boxes = new Float32Array(n * 4);
    for (let k = 0; k < n; k++) {
      const w = rng.uniform(0.1, 0.5) * size;
      const h = rng.uniform(0.1, 0.5) * size;
      const x = rng.uniform(0, size - w);
      const y = rng.uniform(0, size - h);
      boxes.set([x, y, x + w, y + h], 4 * k);
    }
    return { index: i, imageId: i, boxes, classes: Int32Array.from({ length: n }, () => rng.int(0, 8)) };
  });
  return { images, batchSize, height: size, width: size, items };
}

const load0 = load();
const info = await initBackend({ quiet: true });
const batch = randomBatch(1) as never;
const data = {
  batchesPerEpoch: 1000,
  *epoch() {
    for (let i = 0; i < 1000; i++) yield batch;
  },
};
const config = {
  epochs: 1000,
  optimizer: { type: "sgd" as const, lr: 0.001 },
  ema: false as const,
  valEvery: 0,
};

const alone = det.createDetector(studentId as never, { numClasses: 8, seed: 2 } as never);
const student = det.createDetector(studentId as never, { numClasses: 8, seed: 2 } as never);
const teacherDet = det.createDetector(teacherId as never, { numClasses: 8, seed: 1 } as never);
const ch = (m: typeof alone, level: string) => featureInfo(m)[`neck.${level}`]!.channels;
const distiller = Distiller.create([
  {
    loss: { type: "cwd", tau: 1 },
    weight: 1,
    student: "neck.p{3..5}",
    teacher: "neck.p{3..5}",
    adapter: ["p3", "p4", "p5"].map((l) => ({ inChannels: ch(student, l), outChannels: ch(teacherDet, l) })),
  },
] as never);
// the Teacher adapter when the checkout has one (the same script measures the code before it)
const asTeacher = (det as unknown as { detectorTeacher?: (d: unknown) => unknown }).detectorTeacher;
const teacher = asTeacher ? asTeacher(teacherDet) : teacherDet;

const times: Record<string, number[]> = { alone: [], distilled: [] };
const make = (key: string, model: typeof alone, distill?: object) =>
  new det.Trainer({
    model,
    data: data as never,
    config,
    ...(distill ? { distill: distill as never } : {}),
    onLog: (e) => {
      if (e.kind === "step" && e.step > warmup) times[key]!.push(e.ms);
    },
  });
const trainers = {
  alone: make("alone", alone),
  distilled: make("distilled", student, { teacher, distiller }),
};
for (let s = 1; s <= warmup + steps; s++)
  for (const t of Object.values(trainers)) await t.fit({ maxSteps: s });
const load1 = load();

const a = median(times.alone!);
const d = median(times.distilled!);
console.log(
  `backend ${info.backend}, ${info.threads} thread(s); ${studentId} alone vs distilled from ${teacherId} (CWD P3–P5), ${size}×${size}, batch ${batchSize}; median of ${steps} steps after ${warmup} warm-up; load before ${load0}, after ${load1}`,
);
const aMin = Math.min(...times.alone!);
const dMin = Math.min(...times.distilled!);
console.log("| step | ms (median) | ms (min) | steps ms |");
console.log("| --- | ---: | ---: | --- |");
console.log(
  `| ${studentId} alone | ${a.toFixed(0)} | ${aMin.toFixed(0)} | ${times.alone!.map((t) => t.toFixed(0)).join(", ")} |`,
);
console.log(
  `| distilled from ${teacherId} | ${d.toFixed(0)} | ${dMin.toFixed(0)} | ${times.distilled!.map((t) => t.toFixed(0)).join(", ")} |`,
);
console.log(`| ratio distilled / alone | ${(d / a).toFixed(3)} | ${(dMin / aMin).toFixed(3)} | |`);
console.log(`RESULT ${JSON.stringify({ alone: a, distilled: d, ratio: d / a, load0, load1, times })}`);
for (const t of Object.values(trainers)) t.dispose();
[alone, student, teacherDet, distiller].forEach((m) => m.dispose());
