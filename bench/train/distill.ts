/**
 * bench/train/distill.ts: a yolov8-n student trained on the synthetic dataset with and without CWD
 * distillation (P3–P5, 1×1 adapters) from a yolov8-s teacher trained on the same data. Both students
 * share init seed, data order, schedule, image size and batch; only the distillation term differs
 * (kdet experiments.md protocol, at a scale this machine can run: one seed, so no claim of a gain).
 * Splits: train / val / test generated from seeds 101 / 202 / 303. Reports val and test COCO metrics
 * of the final EMA weights and writes the "## Distillation" section of bench/train/RESULTS.md.
 *
 *   pnpm exec tsx bench/train/distill.ts [--size 96] [--train 160] [--eval 48] [--teacher-epochs 30] [--epochs 30] [--seed 0]
 *
 * Each run's final EMA weights are kept in bench/train/.runs/<run>/final (model.json + shards) and reused when present
 * (delete .runs to retrain everything); step times come from each run's metrics.jsonl.
 */
import { register } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

register("./esm-hook.mjs", import.meta.url);

const { initBackend } = await import("@kdet/core");
const { createBatchLoader, syntheticDataset, SYNTHETIC_CLASS_NAMES } = await import("@kdet/data");
const { Distiller } = await import("@kdet/losses");
const det = await import("@kdet/detectors");

const args = process.argv.slice(2);
const num = (n: string, d: number) => (args.includes(n) ? Number(args[args.indexOf(n) + 1]) : d);
const size = num("--size", 96);
const nTrain = num("--train", 160);
const nEval = num("--eval", 48);
const teacherEpochs = num("--teacher-epochs", 30);
const epochs = num("--epochs", 30);
const seed = num("--seed", 0);
const here = fileURLToPath(new URL(".", import.meta.url));
const runs = `${here}.runs`;
const load = () => os.loadavg().map((v) => v.toFixed(2)).join(", ");
const loadBefore = load();

const info = await initBackend({ quiet: true });
const nc = SYNTHETIC_CLASS_NAMES.length;
const split = (s: number, n: number) => syntheticDataset({ seed: s, numImages: n, size, minObjects: 1, maxObjects: 4, minObjectSize: Math.round(size / 8), maxObjectSize: Math.round(size / 2) });
const train = split(101, nTrain);
const val = split(202, nEval);
const test = split(303, nEval);
const loader = createBatchLoader(train, { batchSize: 8, size, shuffle: true, seed, cache: true, prefetch: 1 });
const evalSet = (ds: typeof val) => ({ dataset: ds, loader: createBatchLoader(ds, { batchSize: 8, size, shuffle: false, cache: true, prefetch: 0 }) });
const valData = evalSet(val);
const testData = evalSet(test);
const stepsPerEpoch = loader.batchesPerEpoch;
const config = (e: number) => ({
  epochs: e,
  optimizer: { type: "adamw" as const, lr: 0.001, weightDecay: 5e-4 },
  schedule: { type: "cosine" as const, lrf: 0.01, warmupSteps: stepsPerEpoch },
  ema: { decay: 0.9999, tau: 2000 },
  valEvery: 10,
});

interface Row { name: string; valMap: number; valAp50: number; testMap: number; testAp50: number; minutes: number; stepMs: number }
const rows: Row[] = [];

/** Step times of a finished run, from its metrics.jsonl: median and total (training steps only, no validation). */
function stepTimes(name: string): { median: number; minutes: number } {
  const ms = readFileSync(`${runs}/${name}/metrics.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; ms?: number }).filter((l) => l.kind === "step").map((l) => l.ms!);
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)] ?? NaN, minutes: ms.reduce((a, b) => a + b, 0) / 60000 };
}

/**
 * Trains run `name` (or, with its final weights already in .runs/<name>/final from an earlier invocation, reuses them),
 * evaluates the final EMA weights on val and test, and returns them as a standalone detector.
 */
async function run(name: string, make: () => InstanceType<typeof det.Detector>, e: number, distill?: { teacher: InstanceType<typeof det.Detector>; distiller: ReturnType<typeof Distiller.create> }): Promise<InstanceType<typeof det.Detector>> {
  const final = `${runs}/${name}/final`;
  if (!existsSync(`${final}/model.json`)) {
    const model = make();
    const trainer = new det.Trainer({ model, data: loader, val: valData, config: config(e), distill, outDir: `${runs}/${name}`, onLog: (l) => { if (l.kind === "val") console.log(name, `epoch ${l.epoch + 1}`, `val mAP ${l.metrics.mAP.toFixed(3)} AP50 ${l.metrics.AP50.toFixed(3)}`); } });
    await trainer.fit();
    await det.saveWeights(trainer.evalModel, final);
    trainer.dispose();
    model.dispose();
  }
  const out = await det.loadDetector(final);
  const v = await det.evaluateDetector(out, valData);
  const t = await det.evaluateDetector(out, testData);
  const st = stepTimes(name);
  rows.push({ name, valMap: v.mAP, valAp50: v.AP50, testMap: t.mAP, testAp50: t.AP50, minutes: st.minutes, stepMs: st.median });
  console.log(rows[rows.length - 1]);
  return out;
}

const teacher = await run("teacher", () => det.createDetector("yolov8-s", { numClasses: nc, seed: 1000 + seed }), teacherEpochs);
teacher.train(false);
(await run("student", () => det.createDetector("yolov8-n", { numClasses: nc, seed }), epochs)).dispose();
const distiller = Distiller.create([{ loss: { type: "cwd", tau: 1 }, weight: 1, student: "neck.p{3..5}", teacher: "neck.p{3..5}", adapter: [64, 128, 256].map((c) => ({ inChannels: c, outChannels: 2 * c })) }], { seed });
(await run("student-cwd", () => det.createDetector("yolov8-n", { numClasses: nc, seed }), epochs, { teacher, distiller })).dispose();

const base = rows.find((r) => r.name === "student")!;
const kd = rows.find((r) => r.name === "student-cwd")!;
const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "–");
const section = `## Distillation: yolov8-n student, with and without CWD from a yolov8-s teacher (synthetic set)

- Command: \`pnpm exec tsx bench/train/distill.ts${args.length ? ` ${args.join(" ")}` : ""}\`; backend ${info.backend}, ${info.threads} thread(s); load before ${loadBefore}, after ${load()}; ${new Date().toISOString().slice(0, 10)}.
- Data: \`@kdet/data\` synthetic shapes (${nc} classes), ${size}×${size}, 1–4 objects of ${Math.round(size / 8)}–${Math.round(size / 2)} px; train ${nTrain} images (seed 101), val ${nEval} (seed 202), test ${nEval} (seed 303); letterbox only, no augmentation.
- Schedule (all runs): AdamW lr 0.001, weight decay 5e-4 (weights only), 1-epoch warmup, cosine to 1 %, batch 8, EMA (0.9999, τ 2000); teacher ${teacherEpochs} epochs, students ${epochs} epochs (${stepsPerEpoch} steps each); student init seed ${seed}, same data order.
- Distillation: CWD (τ 1, loss weight 10, KL form) on neck P3–P5 with 1×1 conv adapters 64/128/256 → 128/256/512, term weight 1; teacher frozen (inference-mode BN, outside the gradient tape).
- Metrics: COCO mAP@[.5:.95] and AP50 (\`@kdet/eval\`, pycocotools-exact) of the **final EMA weights**; one seed only, so differences below a few points are not evidence of a gain (experiments.md asks for ≥ 3 seeds).

| run | val mAP | val AP50 | test mAP | test AP50 | training steps (min) | median step (ms) |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.name} | ${f(r.valMap)} | ${f(r.valAp50)} | ${f(r.testMap)} | ${f(r.testAp50)} | ${r.minutes.toFixed(1)} | ${Number.isFinite(r.stepMs) ? r.stepMs.toFixed(0) : "–"} |`).join("\n")}

Test mAP change from distillation: ${(kd.testMap - base.testMap >= 0 ? "+" : "") + (100 * (kd.testMap - base.testMap)).toFixed(1)} points (one seed); distillation step overhead ${(kd.stepMs / base.stepMs).toFixed(2)}× the baseline step (teacher forward without a cache).
`;
const out = `${here}RESULTS.md`;
const prev = existsSync(out) ? readFileSync(out, "utf8").split("\n## Distillation")[0]!.trimEnd() : "# bench/train — results";
writeFileSync(out, `${prev}\n\n${section}`);
console.log(section);
process.exit(0);
