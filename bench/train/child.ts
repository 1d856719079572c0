/**
 * bench/train child process: one measurement per process (the wasm thread count and the peak RSS are
 * per process). Jobs: `train` (optimizer steps of a registered model with the full detection loss or
 * the proxy loss the PyTorch script uses) and `infer` (predict = forward + decode + NMS, batch 1).
 */
import { createRequire } from "node:module";

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;
const { initBackend, Rng } = await import("@kdet/core");
const det = await import("@kdet/detectors");
// the optimizer and the single step are internals of the Trainer (not in the public API)
const { Optimizer } = await import("../../packages/detectors/src/train/optimizers");
const { trainStep } = await import("../../packages/detectors/src/train/train-step");
type DetectorId = import("@kdet/detectors").DetectorId;

export interface TrainJob {
  job: "train";
  id: string;
  batch: number;
  size: number;
  steps: number;
  warmup: number;
  loss: "full" | "proxy";
  threads?: number;
}
export interface InferJob {
  job: "infer";
  ids: string[];
  sizes: number[];
  runs: number;
  threads?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const wasmHeapMB = (): number | null => {
  const w = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return w?.HEAPU8 ? w.HEAPU8.buffer.byteLength / 2 ** 20 : null;
};

/** A batch of random images with 1–4 random boxes each (80 classes). */
function randomBatch(batch: number, size: number, seed: number) {
  const rng = new Rng(seed);
  const images = new Float32Array(batch * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.next();
  const items = Array.from({ length: batch }, (_, i) => {
    const n = rng.int(1, 5);
    const boxes = new Float32Array(n * 4);
    for (let k = 0; k < n; k++) {
      const w = rng.uniform(0.1, 0.5) * size,
        h = rng.uniform(0.1, 0.5) * size;
      const x = rng.uniform(0, size - w),
        y = rng.uniform(0, size - h);
      boxes.set([x, y, x + w, y + h], 4 * k);
    }
    return { index: i, boxes, classes: Int32Array.from({ length: n }, () => rng.int(0, 80)) };
  });
  return { images, batchSize: batch, height: size, width: size, items };
}

export async function runTrain(j: TrainJob) {
  const info = await initBackend({ quiet: true, ...(j.threads ? { threads: j.threads } : {}) });
  const model = det.createDetector(j.id as DetectorId, { numClasses: 80 });
  const params = det.namedVariables(model).filter((p) => p.kind !== "buffer");
  const optimizer = new Optimizer({ type: "sgd", lr: 0.01 });
  const batch = randomBatch(j.batch, j.size, 1);
  const rates = { lr: 0.01, biasLr: 0.01, momentum: 0.937 };
  const x = det.batchImages(batch);
  const times: number[] = [];
  let peakBytes = 0;
  for (let i = 0; i < j.warmup + j.steps; i++) {
    const t0 = performance.now();
    if (j.loss === "full") {
      trainStep({ model, params, optimizer, clipNorm: 10 }, batch, rates);
    } else {
      const { value, grads } = tf.variableGrads(
        () => {
          const r = model.call(x);
          return tf.addN([...r.box, ...r.cls].map((o) => tf.mean(tf.square(o)))) as never;
        },
        params.map((p) => p.variable),
      );
      value.dataSync();
      optimizer.apply(
        params
          .filter((p) => grads[p.variable.name])
          .map((p) => ({
            name: p.name,
            variable: p.variable,
            grad: grads[p.variable.name]!,
            lr: 0.01,
            decay: false,
          })),
        0.937,
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    if (i >= j.warmup) times.push(performance.now() - t0);
    peakBytes = Math.max(peakBytes, tf.memory().numBytes);
  }
  const ms = median(times);
  return {
    backend: info.backend,
    threads: info.threads,
    params: params.reduce((a, p) => a + p.variable.size, 0),
    stepMs: times,
    medianMs: ms,
    imagesPerSec: (j.batch * 1000) / ms,
    liveTensorMB: peakBytes / 2 ** 20,
    wasmHeapMB: wasmHeapMB(),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

export async function runInfer(j: InferJob) {
  const info = await initBackend({ quiet: true, ...(j.threads ? { threads: j.threads } : {}) });
  const out: Array<{ id: string; size: number; msPerImage: number; runs: number[] }> = [];
  for (const id of j.ids) {
    const model = det.createDetector(id as DetectorId, { numClasses: 80 }).train(false);
    for (const size of j.sizes) {
      const x = tf.randomUniform([1, size, size, 3]) as never;
      await model.predict(x, { scoreThreshold: 0.25 });
      const runs: number[] = [];
      for (let r = 0; r < j.runs; r++) {
        const t0 = performance.now();
        await model.predict(x, { scoreThreshold: 0.25 });
        runs.push(performance.now() - t0);
      }
      tf.dispose(x);
      out.push({ id, size, msPerImage: median(runs), runs });
    }
    model.dispose();
  }
  return { backend: info.backend, threads: info.threads, results: out };
}
