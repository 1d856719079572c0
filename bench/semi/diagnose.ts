/**
 * bench/semi/diagnose.ts: what a semi-supervised sweep's teacher gives its students, measured on the VAL split (never
 * test): the pseudo-labels (detections with score ≥ the pseudo-label threshold: count per image, precision and
 * recall at IoU 0.5 against the val labels, same class), the share of locations the confidence term selects per
 * level (teacher max class probability ≥ its threshold, the mask of the feature and box terms), and the scale of every
 * logged loss part (median over the steps of the first seed) of the baseline and each method.
 *
 *   pnpm exec tsx bench/semi/diagnose.ts <sweep folder> [--pairing yolov8-s-to-n] [--pseudo 0.5] [--select 0.3]
 */
import { createRequire, register } from "node:module";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

register("../esm-hook.mjs", import.meta.url);

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;

const { readConfigFile, validateExperiment } = await import("../../packages/cli/src/config-load");
const { loadSplit, evalLoader } = await import("../../packages/cli/src/datasets");
const { loadModelFolder } = await import("../../packages/cli/src/models");
const { predictSplit } = await import("../../packages/cli/src/predict-split");
const { batchImages } = await import("../../packages/cli/src/detectors-api");
const { bufferIo } = await import("../../packages/cli/src/cli-io");
const { startBackend } = await import("../../packages/cli/src/backend");

const args = process.argv.slice(2);
const arg = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const sweep = args[0];
if (!sweep || sweep.startsWith("--")) throw new Error("usage: diagnose.ts <sweep folder> [--pairing NAME]");
const pairing = path.join(sweep, arg("--pairing", "yolov8-s-to-n"));
const pseudoThreshold = Number(arg("--pseudo", "0.5"));
const selectThreshold = Number(arg("--select", "0.3"));
const LEVELS = ["p3", "p4", "p5"];

await startBackend(bufferIo(), "auto", 1);
const exp = validateExperiment(
  readConfigFile(path.join(pairing, "teacher", "config.yaml")) as never,
  "teacher config",
);
if (!exp.data.val) throw new Error("the sweep has no val split");
const val = await loadSplit(exp.data.val, "val");
const teacher = await loadModelFolder(path.join(pairing, "teacher", "weights"), "teacher");

/** Greedy same-class matching at IoU ≥ 0.5, highest score first: true positives. */
function matches(boxes: Float32Array, classes: Int32Array, gt: Float32Array, gtClasses: Int32Array): number {
  const used = new Uint8Array(gtClasses.length);
  let tp = 0;
  for (let d = 0; d < classes.length; d++) {
    let best = -1;
    let bestIou = 0.5;
    for (let g = 0; g < gtClasses.length; g++) {
      if (used[g] || gtClasses[g] !== classes[d]) continue;
      const ix = Math.max(
        0,
        Math.min(boxes[4 * d + 2]!, gt[4 * g + 2]!) - Math.max(boxes[4 * d]!, gt[4 * g]!),
      );
      const iy = Math.max(
        0,
        Math.min(boxes[4 * d + 3]!, gt[4 * g + 3]!) - Math.max(boxes[4 * d + 1]!, gt[4 * g + 1]!),
      );
      const inter = ix * iy;
      const area = (b: Float32Array, i: number) =>
        (b[4 * i + 2]! - b[4 * i]!) * (b[4 * i + 3]! - b[4 * i + 1]!);
      const iou = inter / (area(boxes, d) + area(gt, g) - inter);
      if (iou >= bestIou) [best, bestIou] = [g, iou];
    }
    if (best >= 0) (used[best] = 1), tp++;
  }
  return tp;
}

// pseudo-labels on val (detections are sorted by score within an image)
const loader = evalLoader(val, exp.data);
const { detections } = await predictSplit(teacher, loader, {
  scoreThreshold: pseudoThreshold,
  iouThreshold: exp.eval.iouThreshold,
  maxDetections: exp.eval.maxDetections,
});
let [nDet, nGt, tp, empty] = [0, 0, 0, 0];
for (const d of detections) {
  const r = val.records[d.index]!;
  nDet += d.scores.length;
  nGt += r.classes.length;
  if (d.scores.length === 0) empty++;
  tp += matches(d.boxes, d.classes, r.boxes, r.classes);
}

// share of locations the confidence term selects, per level
const selected = LEVELS.map(() => [0, 0]);
teacher.train(false);
for await (const b of loader.epoch(0)) {
  const x = batchImages(b);
  const shares = tf.tidy(() => {
    const { taps } = teacher.forwardWithTaps(
      x,
      LEVELS.map((l) => `head.cls.${l}`),
    );
    return LEVELS.map((l) => {
      const c = tf.max(tf.sigmoid(taps[`head.cls.${l}`]!), -1);
      return [tf.sum(tf.cast(tf.greaterEqual(c, selectThreshold), "float32")).dataSync()[0]!, c.size];
    });
  });
  x.dispose();
  shares.forEach(([s, n], i) => ((selected[i]![0]! += s!), (selected[i]![1]! += n!)));
}
teacher.dispose();

console.log(`# ${path.basename(sweep)}: the teacher on the val split (${val.records.length} images)\n`);
console.log(
  `| pseudo-labels (score ≥ ${pseudoThreshold}) | per image | precision @ IoU 0.5 | recall @ IoU 0.5 | images without one |`,
);
console.log("| --- | ---: | ---: | ---: | ---: |");
console.log(
  `| ${nDet} for ${nGt} labelled boxes | ${(nDet / val.records.length).toFixed(2)} | ${((100 * tp) / Math.max(nDet, 1)).toFixed(1)} % | ${((100 * tp) / Math.max(nGt, 1)).toFixed(1)} % | ${empty} |\n`,
);
console.log(`| level | locations with teacher confidence ≥ ${selectThreshold} |`);
console.log("| --- | ---: |");
for (const [i, l] of LEVELS.entries())
  console.log(`| ${l} | ${((100 * selected[i]![0]!) / selected[i]![1]!).toFixed(2)} % |`);

// loss parts of the first seed's stages (median over steps)
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : Number.NaN;
};
const stages = readdirSync(pairing)
  .filter((s) => /-s1$/.test(s) && existsSync(path.join(pairing, s, "metrics.jsonl")))
  .sort();
console.log("\n| stage (seed 1) | loss | part medians over the steps |");
console.log("| --- | ---: | --- |");
for (const s of stages) {
  const steps = readFileSync(path.join(pairing, s, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; loss?: number; parts?: Record<string, number> })
    .filter((l) => l.kind === "step");
  const keys = [...new Set(steps.flatMap((x) => Object.keys(x.parts ?? {})))].sort();
  const parts = keys.map((k) => `${k} ${median(steps.map((x) => x.parts?.[k] ?? Number.NaN)).toFixed(4)}`);
  console.log(
    `| ${s} | ${median(steps.map((x) => x.loss ?? Number.NaN)).toFixed(4)} | ${parts.join(", ")} |`,
  );
}
