/** The measurement behind bench/export/run.ts (see there). */
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createDetector,
  loadGraphExport,
  verifyGraphExport,
  writeGraphModel,
  type DetectorId,
} from "../../packages/detectors/src/index";
import { configureBatchNorm } from "../../packages/detectors/src/nn/training-mode";
import { initBackend, Rng } from "../../packages/core/src/index";
import { createRequire } from "node:module";

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;
type Tensor = InstanceType<TF["Tensor"]>;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const uptime = (): string => execSync("uptime").toString().trim();

/** Wall time (ms) of `fn`, which must read its results back (dataSync) so the work is done. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

interface Row {
  id: string;
  exportMs: number;
  loadMs: number;
  firstMs: number;
  detMs: number;
  graphMs: number;
  nodes: number;
  files: number;
  maxDiff: number;
}

async function measure(id: DetectorId, size: number, runs: number, dir: string): Promise<Row> {
  const det = createDetector(id, { numClasses: 80, seed: 0 } as never);
  // realistic BatchNorm statistics: one training-mode pass over random images with momentum 1 (running = batch
  // statistics); a fresh init (μ 0, σ² 1) shrinks the activations layer by layer until the biases dominate
  configureBatchNorm(det, { momentum: 1 });
  const calib = new Rng(9).uniformTensor([2, size, size, 3]) as Parameters<typeof det.call>[0];
  tf.dispose(tf.tidy(() => det.call(calib).cls));
  tf.dispose(calib);
  det.train(false);
  let t = performance.now();
  const written = await writeGraphModel(det, dir, { inputSize: size });
  const exportMs = performance.now() - t;
  t = performance.now();
  const { model, meta } = await loadGraphExport(dir);
  const loadMs = performance.now() - t;
  const x = new Rng(1).uniformTensor([1, size, size, 3]) as Parameters<typeof det.call>[0];
  const runDet = (): void => {
    const out = tf.tidy(() => {
      const d = det.head.decode(det.call(x));
      return [d.boxes, d.scores];
    });
    for (const o of out) o.dataSync();
    tf.dispose(out);
  };
  const runGraph = (): void => {
    const out = model.execute(x, ["boxes", "scores"]) as Tensor[];
    for (const o of out) o.dataSync();
    tf.dispose(out);
  };
  const firstMs = timed(runGraph);
  runDet();
  const d: number[] = [];
  const g: number[] = [];
  for (let r = 0; r < runs; r++) {
    // alternate the order so neither side always runs right after the other
    if (r % 2) g.push(timed(runGraph)), d.push(timed(runDet));
    else d.push(timed(runDet)), g.push(timed(runGraph));
  }
  const maxDiff = Math.max(...Object.values(await verifyGraphExport(det, model, meta)));
  tf.dispose(x);
  model.dispose();
  det.dispose();
  return {
    id,
    exportMs,
    loadMs,
    firstMs,
    detMs: median(d),
    graphMs: median(g),
    nodes: written.nodes,
    files: written.files.length,
    maxDiff,
  };
}

/** Runs the benchmark (see run.ts for the flags). */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: "string" },
      runs: { type: "string" },
      only: { type: "string" },
      write: { type: "boolean" },
    },
  });
  const size = Number(values.size ?? 320);
  const runs = Number(values.runs ?? 15);
  const ids = (values.only?.split(",") ?? ["yolov8-n", "gfl-r18"]) as DetectorId[];
  const info = await initBackend({ quiet: true });
  const before = uptime();
  const rows: Row[] = [];
  for (const id of ids) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-bench-export-"));
    try {
      rows.push(await measure(id, size, runs, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = rows[rows.length - 1]!;
    console.error(`${id}: detector ${r.detMs.toFixed(1)} ms, graph ${r.graphMs.toFixed(1)} ms`);
  }
  const after = uptime();
  const table = [
    `| model | Detector ms/image | graph model ms/image | graph / Detector | export ms | load ms | first graph call ms | graph nodes | files | max rel. diff |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.detMs.toFixed(1)} | ${r.graphMs.toFixed(1)} | ${(r.graphMs / r.detMs).toFixed(2)} | ${r.exportMs.toFixed(0)} | ${r.loadMs.toFixed(0)} | ${r.firstMs.toFixed(0)} | ${r.nodes} | ${r.files} | ${r.maxDiff.toExponential(1)} |`,
    ),
  ].join("\n");
  console.log(table);
  if (!values.write) return;
  const md = `# Exported graph model vs Detector: inference time

Command: \`pnpm exec tsx bench/export/run.ts --size ${size} --runs ${runs} --only ${ids.join(",")} --write\`.
Each model: \`createDetector(id, {numClasses: 80, seed: 0})\`, BatchNorm statistics set from one training-mode pass over 2
random images (momentum 1), then inference mode, exported with \`writeGraphModel\` to a temp
folder (BatchNorm folded, decoding in the graph), loaded back with \`loadGraphExport\` (model.json + shards →
\`loadGraphModel(tf.io.fromMemory)\`). ms/image: batch 1, ${size}×${size} random image, output read back (\`dataSync\`);
Detector = \`call\` + \`head.decode\` (boxes, scores), graph = \`execute(x, ["boxes", "scores"])\`; one warm-up each, then
${runs} runs interleaved (order alternating), medians. NMS is not included (the same for both). "max rel. diff" =
\`verifyGraphExport\` over every output.

Backend: ${info.message.replace(/^kdet backend: /, "").replace(/; skipped .*$/, "")}. Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), shared with other jobs.
Load before: \`${before}\`
Load after: \`${after}\`

${table}

Notes: the graph runs the same tfjs kernels the Detector calls (conv2d, depthwiseConv2d, …) with BatchNorm folded into
the convolutions (one conv + bias instead of conv + 4 element-wise ops) and the anchor grid as constants; the executor
adds its own bookkeeping per node. "first graph call" includes the executor's graph compilation.
`;
  writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "RESULTS.md"), md);
  console.error("wrote bench/export/RESULTS.md");
}
