/**
 * bench/train/teacher-overhead.ts: what the `Teacher` interface adds to the trained-detector teacher path. The
 * trainer used to tap the teacher detector inline (`tf.tidy(() => det.forwardWithTaps(x, names).taps)`); it now
 * awaits `detectorTeacher(det).infer({batch, images}, {maps})` (same forward pass, plus the name check, the BN-mode
 * check and one await). Both are timed on the same input, alternating, and the medians and minima compared.
 *
 *   pnpm exec tsx bench/train/teacher-overhead.ts [--teacher yolov8-s] [--size 160] [--batch 4] [--rounds 12]
 */
import { register } from "node:module";
import os from "node:os";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

import { createRequire } from "node:module";

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;
const { initBackend } = await import("@kdet/core");
const det = await import("@kdet/detectors");

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const id = opt("--teacher", "yolov8-s");
const size = Number(opt("--size", "160"));
const batchSize = Number(opt("--batch", "4"));
const rounds = Number(opt("--rounds", "12"));
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(", ");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const load0 = load();
const info = await initBackend({ quiet: true });
const model = det.createDetector(id as never, { numClasses: 8, seed: 1 } as never);
const teacher = det.detectorTeacher(model);
const names = ["neck.p3", "neck.p4", "neck.p5"];
const images = tf.randomUniform(
  [batchSize, size, size, 3],
  0,
  1,
  "float32",
  1,
) as import("../../packages/detectors/node_modules/@tensorflow/tfjs-core").Tensor4D;
const batch = { images: images.dataSync() as Float32Array, batchSize, height: size, width: size, items: [] };
const times = { direct: [] as number[], adapter: [] as number[] };
for (let r = 0; r < rounds + 1; r++) {
  let t0 = performance.now();
  const a = tf.tidy(() => model.forwardWithTaps(images, names).taps);
  for (const t of Object.values(a)) t.dataSync();
  const direct = performance.now() - t0;
  tf.dispose(Object.values(a));
  t0 = performance.now();
  const b = (await teacher.infer({ batch, images }, { maps: names })).maps;
  for (const t of Object.values(b)) t.dataSync();
  const adapter = performance.now() - t0;
  tf.dispose(Object.values(b));
  if (r > 0) times.direct.push(direct), times.adapter.push(adapter);
}
const load1 = load();
console.log(
  `backend ${info.backend}, ${info.threads} thread(s); teacher ${id} taps ${names.join(", ")}, ${size}×${size}, batch ${batchSize}; ${rounds} alternating rounds after 1 warm-up; load before ${load0}, after ${load1}`,
);
console.log("| teacher maps | median ms | min ms |");
console.log("| --- | ---: | ---: |");
for (const [k, v] of Object.entries(times))
  console.log(
    `| ${k === "direct" ? "inline forwardWithTaps (before)" : "Teacher.infer (after)"} | ${median(v).toFixed(1)} | ${Math.min(...v).toFixed(1)} |`,
  );
console.log(
  `| ratio after / before | ${(median(times.adapter) / median(times.direct)).toFixed(3)} | ${(Math.min(...times.adapter) / Math.min(...times.direct)).toFixed(3)} |`,
);
console.log(`RESULT ${JSON.stringify({ ...times, load0, load1 })}`);
images.dispose();
model.dispose();
