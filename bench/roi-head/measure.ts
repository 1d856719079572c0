/** Measurement of bench/roi-head (see run.ts). */
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { initBackend, Rng } from "../../packages/core/src/index";
import { BBoxHead } from "../../packages/detectors/src/heads/bbox-head";
import { headOnRois, poolRois } from "../../packages/detectors/src/heads/roi-pool";
import { loadAverage as load, median } from "../stats";

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;

/** Random RoIs (batch index, x1, y1, x2, y2) of 8 px to the image side, `perImage` per image. */
function randomRois(rng: Rng, batch: number, perImage: number, size: number): Float32Array {
  const out = new Float32Array(batch * perImage * 5);
  for (let b = 0, r = 0; b < batch; b++)
    for (let i = 0; i < perImage; i++, r++) {
      const w = 8 + rng.next() * (size - 8);
      const h = 8 + rng.next() * (size - 8);
      const x = rng.next() * (size - w);
      const y = rng.next() * (size - h);
      out.set([b, x, y, x + w, y + h], 5 * r);
    }
  return out;
}

/** Runs the benchmark and prints a markdown table (ms medians; × = the reference over headOnRois). */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: "string", default: "5" },
      size: { type: "string", default: "128" },
      batch: { type: "string", default: "8" },
      "test-rois": { type: "string", default: "300" },
      "train-rois": { type: "string", default: "64" },
    },
  });
  const info = await initBackend();
  const [rounds, size, batch] = [values.rounds, values.size, values.batch].map(Number) as [
    number,
    number,
    number,
  ];
  const loadBefore = load();
  const rng = new Rng(1);
  // FPN P2–P5 of a `size` input, 256 channels (mmdet faster-rcnn_r50_fpn), and its 2-fc box head (3 classes)
  const strides = [4, 8, 16, 32];
  // variables: training differentiates w.r.t. the features (RoIAlign's gradient) and the head
  const features = strides.map((s) =>
    tf.variable(rng.uniformTensor([batch, size / s, size / s, 256])),
  ) as unknown as Parameters<typeof poolRois>[0][number][];
  const head = new BBoxHead(256, 7, 3, new Rng(0));
  const testRois = randomRois(rng, batch, Number(values["test-rois"]), size);
  const trainRois = randomRois(rng, batch, Number(values["train-rois"]), size);
  const paths = {
    "head(poolRois(…))": (rois: Float32Array) => head.call(poolRois(features, strides, rois)),
    "headOnRois(…)": (rois: Float32Array) => headOnRois(features, strides, rois, {}, (p) => head.call(p)),
  };
  const names = Object.keys(paths) as (keyof typeof paths)[];
  const timeInfer = (name: keyof typeof paths): number => {
    const t = performance.now();
    const out = tf.tidy(() => {
      const o = paths[name](testRois);
      return [o.cls, o.box] as never;
    }) as unknown as Array<{ dataSync(): unknown }>;
    for (const x of out) x.dataSync();
    const ms = performance.now() - t;
    tf.dispose(out as never);
    return ms;
  };
  const timeTrain = (name: keyof typeof paths): number => {
    const t = performance.now();
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const o = paths[name](trainRois);
          return tf.add(tf.sum(tf.square(o.cls)), tf.sum(tf.square(o.box))) as never;
        }),
      [...head.trainableVariables(), ...(features as unknown as ReturnType<typeof tf.variable>[])],
    );
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    const ms = performance.now() - t;
    tf.dispose([value, ...Object.values(grads)]);
    return ms;
  };
  const times: Record<string, { infer: number[]; train: number[] }> = {};
  for (const n of names) times[n] = { infer: [], train: [] };
  for (let r = 0; r <= rounds; r++)
    for (const n of names) {
      const i = timeInfer(n);
      const t = timeTrain(n);
      if (r > 0) {
        times[n]!.infer.push(i);
        times[n]!.train.push(t);
      }
    }
  const ref = times[names[0]!]!;
  console.log(`backend: ${info.message}`);
  console.log(`load average before: ${loadBefore}; after: ${load()}`);
  console.log(
    `batch ${batch} at ${size} px, ${values["test-rois"]} test RoIs and ${values["train-rois"]} training RoIs per image; medians of ${rounds} interleaved rounds after 1 warm-up\n`,
  );
  console.log("| path | inference ms | × reference | training ms (fwd + bwd) | × reference |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const n of names) {
    const t = times[n]!;
    console.log(
      `| ${n} | ${median(t.infer).toFixed(0)} | ${(median(t.infer) / median(ref.infer)).toFixed(2)} | ${median(t.train).toFixed(0)} | ${(median(t.train) / median(ref.train)).toFixed(2)} |`,
    );
  }
  head.dispose();
  tf.dispose(features as never);
}
