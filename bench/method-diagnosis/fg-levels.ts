/**
 * Where TAL puts the positives: per level, the share of assigned foreground anchors (and of their target scores) in a
 * YOLOv8 student at init and trained, on the first batches of a COCO split folder.
 *   pnpm exec tsx bench/method-diagnosis/fg-levels.ts --coco RUN/data/train --student RUN/.../weights [--size 128]
 */
import { createRequire, register } from "node:module";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);
type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;
const { initBackend } = await import("@kdet/core");
const { createBatchLoader, loadDataset } = await import("@kdet/data");
const { batchImages, batchTargets, createDetector, loadWeights } = await import("@kdet/detectors");
const { yolov8Dense } = await import("../../packages/detectors/src/heads/yolov8-loss");
const { taskAlignedAssign } = await import("../../packages/detectors/src/assigners/task-aligned-assigner");

const args = process.argv.slice(2);
const arg = (n: string, d?: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const cocoDir = arg("--coco")!;
const size = Number(arg("--size", "128"));
const batches = Number(arg("--batches", "4"));
await initBackend({ quiet: true });
const ds = await loadDataset({
  type: "coco",
  annotationFile: `${cocoDir}/annotations.json`,
  imageDir: `${cocoDir}/images`,
});
const loader = createBatchLoader(ds, { batchSize: 16, size, shuffle: false, prefetch: 0 });
const data = [];
for await (const b of loader.epoch(0)) {
  data.push(b);
  if (data.length >= batches) break;
}
for (const [label, dir] of [
  ["init", undefined],
  ...(arg("--student") ? [["trained", arg("--student")]] : []),
] as const) {
  const det = createDetector(arg("--type", "yolov8-n") as "yolov8-n", {
    numClasses: ds.classNames.length,
    seed: 1,
  });
  if (dir) await loadWeights(det, dir);
  det.train(false);
  const head = det.head as unknown as { levels: readonly { stride: number }[]; regMax: number };
  const fg = new Map<number, number>();
  const ts = new Map<number, number>();
  const inside = new Map<number, number>();
  for (const b of data) {
    const t = batchTargets(b);
    // the loss's own decode (yolov8Loss): σ(cls) and the boxes in pixels, with this head's strides and bins
    const { probs, predPx, points, strides, shape } = tf.tidy(() => {
      const d = yolov8Dense(
        det.call(batchImages(b)),
        head.levels.map((l) => l.stride),
        head.regMax,
      );
      return {
        probs: tf.sigmoid(d.cls).dataSync() as Float32Array,
        predPx: tf.mul(d.boxesGrid, d.stride).dataSync() as Float32Array,
        points: d.points,
        strides: d.strides,
        shape: d.cls.shape,
      };
    });
    const [N, A, C] = shape;
    for (let i = 0; i < N; i++) {
      const as = taskAlignedAssign({
        numClasses: C,
        scores: probs.subarray(i * A * C, (i + 1) * A * C),
        predBoxes: predPx.subarray(i * A * 4, (i + 1) * A * 4),
        anchors: points,
        gtBoxes: t.boxes[i] as Float32Array,
        gtLabels: t.classes[i] as Int32Array,
      });
      for (let a = 0; a < A; a++) {
        const s = strides[a]!;
        const gb = t.boxes[i]!;
        for (let g = 0; g < gb.length / 4; g++) {
          const [px, py] = [points[2 * a]!, points[2 * a + 1]!];
          if (px > gb[4 * g]! && px < gb[4 * g + 2]! && py > gb[4 * g + 1]! && py < gb[4 * g + 3]!) {
            inside.set(s, (inside.get(s) ?? 0) + 1);
            break;
          }
        }
        if (!as.fg[a]) continue;
        fg.set(s, (fg.get(s) ?? 0) + 1);
        let w = 0;
        for (let c = 0; c < C; c++) w += as.targetScores[a * C + c]!;
        ts.set(s, (ts.get(s) ?? 0) + w);
      }
    }
  }
  const nf = [...fg.values()].reduce((a, b) => a + b, 0);
  const nt = [...ts.values()].reduce((a, b) => a + b, 0);
  console.log(
    label,
    head.levels
      .map((l) => l.stride)
      .map(
        (s) =>
          `stride ${s}: centres in a box ${inside.get(s) ?? 0}, fg ${fg.get(s) ?? 0} (${(((fg.get(s) ?? 0) / nf) * 100).toFixed(1)} %), target score ${(ts.get(s) ?? 0).toFixed(2)} (${(((ts.get(s) ?? 0) / nt) * 100).toFixed(1)} %)`,
      )
      .join("; "),
  );
  det.dispose();
}
