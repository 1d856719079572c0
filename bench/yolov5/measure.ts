/** Measurement of bench/yolov5 (see run.ts). */
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { loadAverage as load, median } from "../stats";
import { initBackend, Rng } from "../../packages/core/src/index";
import { createDetector, type DetectorId } from "../../packages/detectors/src/index";

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;

/** Runs the benchmark and prints a markdown table (ms medians; × = ratio to the first model). */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "train-size": { type: "string", default: "256" },
      size: { type: "string", default: "320" },
      rounds: { type: "string", default: "7" },
      only: { type: "string", default: "yolov8-n,yolov5-n,yolov5-s" },
    },
  });
  const info = await initBackend();
  const trainSize = Number(values["train-size"]);
  const size = Number(values.size);
  const rounds = Number(values.rounds);
  const ids = values.only.split(",") as DetectorId[];
  const loadBefore = load();
  const models = ids.map((id) => createDetector(id, { numClasses: 80, seed: 0 } as never));
  const xt = new Rng(1).uniformTensor([2, trainSize, trainSize, 3]) as Parameters<
    (typeof models)[0]["call"]
  >[0];
  const xi = new Rng(2).uniformTensor([1, size, size, 3]) as Parameters<(typeof models)[0]["call"]>[0];
  const s = trainSize / 256;
  const targets = {
    boxes: [
      new Float32Array([20, 30, 120, 140, 150, 60, 230, 200].map((v) => v * s)),
      new Float32Array([10, 10, 60, 90].map((v) => v * s)),
    ],
    classes: [new Int32Array([1, 7]), new Int32Array([3])],
  };
  const trainStep = (i: number): number => {
    const det = models[i]!;
    det.train(true);
    const t = performance.now();
    const { value, grads } = tf.variableGrads(() => det.loss(xt, targets).total, det.trainableVariables());
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    const ms = performance.now() - t;
    tf.dispose([value, ...Object.values(grads)]);
    return ms;
  };
  const infer = (i: number): number => {
    const det = models[i]!;
    det.train(false);
    const t = performance.now();
    const out = tf.tidy(() => {
      const d = det.head.decode(det.call(xi));
      return [d.boxes, d.scores];
    });
    for (const o of out) o.dataSync();
    const ms = performance.now() - t;
    tf.dispose(out);
    return ms;
  };
  ids.forEach((_, i) => {
    trainStep(i);
    infer(i);
  });
  const train = ids.map(() => [] as number[]);
  const inf = ids.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++)
    ids.forEach((_, i) => {
      train[i]!.push(trainStep(i));
      inf[i]!.push(infer(i));
    });
  const params = models.map((m) => m.trainableVariables().reduce((a, v) => a + v.size, 0));
  const t0 = median(train[0]!);
  const i0 = median(inf[0]!);
  console.log(
    `backend ${info.backend}${"threads" in info ? `, ${String((info as { threads?: number }).threads)} threads` : ""}; ` +
      `load average before ${loadBefore}, after ${load()}; ${rounds} interleaved rounds after 1 warm-up`,
  );
  console.log(
    `\n| model | params | train step ms (batch 2 @ ${trainSize}) | × ${ids[0]} | inference ms (batch 1 @ ${size}) | × ${ids[0]} |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  ids.forEach((id, i) => {
    const tm = median(train[i]!);
    const im = median(inf[i]!);
    console.log(
      `| ${id} | ${params[i]!.toLocaleString("en-US")} | ${tm.toFixed(0)} | ${(tm / t0).toFixed(2)} | ${im.toFixed(1)} | ${(im / i0).toFixed(2)} |`,
    );
  });
  tf.dispose([xt, xi]);
  for (const m of models) m.dispose();
}
