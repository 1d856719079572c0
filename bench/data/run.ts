/**
 * bench/data: images/s of the @kdet/data pipeline on coco128 (train split, YOLO layout) at 320×320, batch 16,
 * for the sharp decoder and the pure-JS fallback (jpeg-js), which is the reference of the ratio column.
 *
 * Stages (each a full epoch through `createBatchLoader` unless noted):
 *   decode          decodeImage at full size, no batching
 *   letterbox       decode (shrunk to 320) + letterbox + batch (evaluation path)
 *   augment         decode + random scale/translate + flip + HSV + batch (training path)
 *   augment+mosaic  as augment, every sample a 4-image mosaic
 *   cached augment  augment from the in-memory cache (second epoch): the JS augmentation cost alone
 *   cached aug+mosaic  the same with every sample a mosaic
 * Numbers: median over runs of wall images/s and images per CPU-second (process CPU time, all threads — the
 * one-core figure, since sharp decodes on libuv's thread pool).
 *
 *   pnpm exec tsx bench/data/run.ts            median of 5 epochs
 *   pnpm exec tsx bench/data/run.ts --quick    32 images, 1 run (smoke test)
 *   flags: --runs N, --no-write (do not write bench/data/RESULTS.md)
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createBatchLoader,
  decodeImage,
  loadSharp,
  loadYolo,
  type BatchOptions,
  type Dataset,
} from "../../packages/data/src/index";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const optRuns = args.indexOf("--runs");
const runs = optRuns >= 0 ? Number(args[optRuns + 1]) : quick ? 1 : 5;
const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.KDET_DATA ?? path.resolve(here, "../../../shared");
const yaml = path.join(shared, "datasets/coco128/data.yaml");

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Time `fn` (which processes `n` images) `runs` times after one warm-up; median wall and CPU images/s. */
async function measure(
  n: number,
  fn: () => Promise<void>,
  warm = true,
): Promise<{ wall: number; cpu: number }> {
  if (warm) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const dt = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    wall.push(n / dt);
    cpu.push(n / ((c.user + c.system) / 1e6));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

async function epoch(ds: Dataset, o: BatchOptions, e = 0): Promise<void> {
  const L = createBatchLoader(ds, o);
  for await (const b of L.epoch(e)) if (b.batchSize === 0) throw new Error("empty batch");
}

async function main(): Promise<void> {
  let ds: Dataset;
  try {
    ds = await loadYolo({ dataYaml: yaml, split: "train" });
  } catch (e) {
    console.log(`bench/data: skipped, coco128 not available (${(e as Error).message})`);
    return;
  }
  if (quick) ds = { ...ds, records: ds.records.slice(0, 32) };
  const n = ds.records.length;
  const loadBefore = load();
  const base = { batchSize: 16, size: 320, seed: 1, prefetch: 2, concurrency: 4 } as const;
  const rows: { stage: string; decoder: string; wall: number; cpu: number }[] = [];
  for (const decoder of ["sharp", "js"] as const) {
    const stages: [string, () => Promise<void>, boolean][] = [
      [
        "decode",
        async () => {
          for (let i = 0; i < n; i++) await decodeImage(ds.records[i]!.file, { decoder });
        },
        true,
      ],
      ["letterbox", () => epoch(ds, { ...base, decoder, augment: false }), true],
      ["augment", () => epoch(ds, { ...base, decoder, augment: {} }), true],
      ["augment+mosaic", () => epoch(ds, { ...base, decoder, augment: { mosaic: 1 } }), true],
    ];
    for (const [stage, fn, warm] of stages) {
      const m = await measure(n, fn, warm);
      rows.push({ stage, decoder, ...m });
      console.log(
        `${decoder.padEnd(6)} ${stage.padEnd(16)} ${m.wall.toFixed(1).padStart(7)} img/s wall ${m.cpu.toFixed(1).padStart(7)} img/CPU-s   (load ${load()})`,
      );
    }
    // Cached: fill the cache once (untimed), then time epochs served from memory.
    for (const [stage, augment] of [
      ["cached augment", {}],
      ["cached aug+mosaic", { mosaic: 1 }],
    ] as const) {
      const L = createBatchLoader(ds, { ...base, decoder, augment, cache: true });
      for await (const _ of L.epoch(0));
      let e = 1;
      const m = await measure(
        n,
        async () => {
          for await (const _ of L.epoch(e++));
        },
        false,
      );
      rows.push({ stage, decoder, ...m });
      console.log(
        `${decoder.padEnd(6)} ${stage.padEnd(16)} ${m.wall.toFixed(1).padStart(7)} img/s wall ${m.cpu.toFixed(1).padStart(7)} img/CPU-s   (load ${load()})`,
      );
    }
  }
  const loadAfter = load();
  const stages = [...new Set(rows.map((r) => r.stage))];
  const get = (s: string, d: string) => rows.find((r) => r.stage === s && r.decoder === d)!;
  const table = [
    "| stage (coco128 train, 320×320, batch 16) | sharp img/s (wall) | sharp img/CPU-s | js img/s (wall) | js img/CPU-s | sharp / js (CPU) |",
    "|---|---|---|---|---|---|",
    ...stages.map((s) => {
      const a = get(s, "sharp"),
        b = get(s, "js");
      return `| ${s} | ${a.wall.toFixed(1)} | ${a.cpu.toFixed(1)} | ${b.wall.toFixed(1)} | ${b.cpu.toFixed(1)} | ${(a.cpu / b.cpu).toFixed(2)}× |`;
    }),
  ].join("\n");
  console.log(`\n${table}\n`);
  if (args.includes("--no-write") || quick) return;
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const sharp = await loadSharp();
  const md = `# bench/data — data pipeline throughput

Machine: ${cpu}, ${os.cpus().length} vCPU, node ${process.version}, sharp ${sharp?.versions.sharp ?? "not loaded"} (libvips ${sharp?.versions.vips ?? "-"}),
jpeg-js 0.4.4. Date: ${new Date().toISOString().slice(0, 10)}. Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}.

Command: \`pnpm exec tsx bench/data/run.ts\` (median of ${runs} epochs of ${n} images, after one warm-up epoch).

${table}

Notes:
- "img/CPU-s" divides the images by the process CPU time of all threads (sharp decodes on libuv's thread pool), so it
  is the throughput of one core; "wall" uses both cores (UV_THREADPOOL_SIZE 4, 4 images in flight per batch,
  2 batches prefetched).
- Stages: *decode* = full-size decode only; *letterbox* = decode shrunk to 320 + letterbox + NHWC float32 batch;
  *augment* = decode + random scale [0.5, 1.5] / translate 0.1 + flip 0.5 + HSV (0.015, 0.7, 0.4) + batch;
  *augment+mosaic* = every sample a 4-image mosaic (4 decodes per sample); *cached augment* / *cached aug+mosaic* =
  the same augmentations from the in-memory cache of decoded images (second and later epochs with \`cache: true\`).
- The ratio column is sharp against the pure-JS fallback (jpeg-js), measured in the same run.
`;
  writeFileSync(path.join(here, "RESULTS.md"), md);
  console.log(`wrote ${path.join(here, "RESULTS.md")}`);
}

await main();
