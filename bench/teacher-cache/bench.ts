/** The body of bench/teacher-cache/run.ts (see there). */
// The detectors' modules load tfjs-core's main entry before @kdet/core's deep imports.
import {
  buildTeacherCache,
  createDetector,
  detectorTeacher,
  datasetFingerprint,
  loadDetector,
  loadTeacher,
  inferBatch,
  openTeacherCache,
  Trainer,
  type DistillSetup,
  type Teacher,
  type TrainLog,
} from "../../packages/detectors/src/index";
import { decodeFloat16 } from "../../packages/detectors/src/teacher-cache/float16";
import { initBackend } from "../../packages/core/src/index";
import {
  createBatchLoader,
  createDataset,
  loadYolo,
  type BatchLoader,
  type Dataset,
} from "../../packages/data/src/index";
import { Distiller, type DistillTermConfigInput } from "../../packages/losses/src/index";
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const load = () =>
  execSync("uptime")
    .toString()
    .trim()
    .replace(/^.*load average: /, "");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface TeacherCase {
  name: string;
  teacher: Teacher;
  taps: string[];
  terms: DistillTermConfigInput[];
  dispose(): void;
}

/**
 * Two trainers (same student init, same distiller config; teacher sources `a` and `b`) stepped in alternation, one
 * step each in turn, so that load changes hit both alike. Returns each one's logged step times after `warmup`.
 */
async function interleavedSteps(
  sources: [DistillSetup["teacher"], DistillSetup["teacher"]],
  terms: DistillTermConfigInput[],
  data: BatchLoader,
  steps: number,
  warmup: number,
): Promise<{ ms: number[]; parts: Record<string, number> }[]> {
  const epochs = Math.ceil((steps + warmup) / data.batchesPerEpoch);
  const runs = sources.map((teacher) => {
    const student = createDetector("yolov8-n", { numClasses: 80, seed: 0 });
    const distiller = Distiller.create(terms);
    const logs: TrainLog[] = [];
    const trainer = new Trainer({
      model: student,
      data,
      distill: { teacher, distiller },
      config: { epochs, optimizer: { type: "sgd", lr: 0.01 }, ema: false },
      onLog: (e) => logs.push(e),
    });
    return { student, distiller, logs, trainer };
  });
  for (let s = 1; s <= steps + warmup; s++) for (const r of runs) await r.trainer.fit({ maxSteps: s });
  return runs.map((r) => {
    r.trainer.dispose();
    r.student.dispose();
    r.distiller.dispose();
    const st = r.logs.filter((l): l is Extract<TrainLog, { kind: "step" }> => l.kind === "step");
    return { ms: st.slice(warmup).map((x) => x.ms), parts: st[0]!.parts };
  });
}

/** Time to get the teacher maps of each batch: live teacher vs cache, alternating per batch; medians (ms). */
async function mapTimes(
  teacher: Teacher,
  cache: Teacher,
  names: string[],
  data: BatchLoader,
  rounds: number,
): Promise<[number, number]> {
  const live: number[] = [];
  const cached: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for await (const batch of data.epoch(0)) {
      let t = performance.now();
      const maps = (await inferBatch(teacher, batch, { maps: names })).maps;
      for (const m of Object.values(maps)) m.dataSync();
      live.push(performance.now() - t);
      for (const m of Object.values(maps)) m.dispose();
      t = performance.now();
      const c = (await inferBatch(cache, batch, { maps: names })).maps;
      for (const m of Object.values(c)) m.dataSync();
      cached.push(performance.now() - t);
      for (const m of Object.values(c)) m.dispose();
    }
  }
  return [median(live), median(cached)];
}

/** float16 vs float32 cache of the same maps: max relative error (|x| ≥ 2^-14), max abs error below, relative L2. */
async function f16Error(
  f16Dir: string,
  f32Dir: string,
  file16: string,
  file32: string,
): Promise<{ rel: number; absSmall: number; relL2: number }> {
  const a = decodeFloat16(new Uint16Array((await readFile(path.join(f16Dir, file16))).buffer.slice(0)));
  const raw = await readFile(path.join(f32Dir, file32));
  const b = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  let rel = 0;
  let absSmall = 0;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (Math.abs(b[i]!) >= 2 ** -14) rel = Math.max(rel, e / Math.abs(b[i]!));
    else absSmall = Math.max(absSmall, e);
    num += e * e;
    den += b[i]! * b[i]!;
  }
  return { rel, absSmall, relL2: Math.sqrt(num / den) };
}

export async function main(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      images: { type: "string", default: "16" },
      size: { type: "string", default: "320" },
      batch: { type: "string", default: "4" },
      steps: { type: "string", default: "6" },
      warmup: { type: "string", default: "2" },
      rounds: { type: "string", default: "2" },
      "teacher-weights": { type: "string" },
      only: { type: "string" },
    },
  });
  const dataYaml = path.join(
    process.env.KDET_DATA ?? path.join(import.meta.dirname, "..", "..", "..", "shared"),
    "datasets",
    "coco128",
    "data.yaml",
  );
  if (!existsSync(dataYaml)) {
    console.log(`bench/teacher-cache: ${dataYaml} not found; nothing to do`);
    return;
  }
  const [n, size, batch, steps, warmup, rounds] = [
    a.images,
    a.size,
    a.batch,
    a.steps,
    a.warmup,
    a.rounds,
  ].map(Number) as [number, number, number, number, number, number];
  const info = await initBackend({ quiet: true });
  const full = await loadYolo({ dataYaml, split: "val" });
  const dataset: Dataset = createDataset({ ...full, records: full.records.slice(0, n) });
  const data = createBatchLoader(dataset, {
    batchSize: batch,
    size,
    shuffle: false,
    augment: false,
    prefetch: 0,
    cache: true,
  });
  for await (const _ of data.epoch(0)); // decode once: image decoding is not part of any timing
  const root = await mkdtemp(path.join(os.tmpdir(), "kdet-bench-cache-"));
  console.log(
    `backend ${info.message}; ${n} coco128 val images, ${size}×${size}, batch ${batch}, ${steps} measured steps after ${warmup} warm-up, ${rounds}×${data.batchesPerEpoch} map reads; load ${load()}`,
  );

  const cases: Record<string, () => Promise<TeacherCase>> = {
    "yolov8-s": async () => {
      const w = a["teacher-weights"];
      const det = w ? await loadDetector(w) : createDetector("yolov8-s", { numClasses: 80, seed: 1 });
      const teacher = detectorTeacher(det);
      return {
        name: `kdet yolov8-s (${w ? `trained: ${w}` : "fresh weights"})`,
        teacher,
        taps: ["neck.p3", "neck.p4", "neck.p5"],
        terms: [
          {
            loss: { type: "cwd", tau: 1 },
            weight: 5,
            student: "neck.p{3..5}",
            teacher: "neck.p{3..5}",
            adapter: [64, 128, 256].map((c) => ({ inChannels: c, outChannels: 2 * c })),
          },
        ],
        dispose: () => teacher.dispose(),
      };
    },
    "centernet-mbv3": async () => {
      const teacher = await loadTeacher("centernet-mbv3");
      return {
        name: "pretrained CenterNet-MBv3 (512 px)",
        teacher,
        // the cache also holds the dense class confidences (scores.s4), as a CLI cache would
        taps: ["neck.p3", "neck.p4", "head.cls_logits", "scores.s4"],
        terms: [
          {
            loss: { type: "cwd", tau: 1 },
            weight: 5,
            student: "neck.p{3..4}",
            teacher: "neck.p{3..4}",
            align: "resize",
            adapter: [
              { inChannels: 64, outChannels: 192 },
              { inChannels: 128, outChannels: 256 },
            ],
          },
          { loss: { type: "qfl-kd" }, student: "head.cls.p3", teacher: "head.cls_logits", align: "resize" },
        ],
        dispose: () => teacher.dispose(),
      };
    },
  };
  const rows: string[] = [];
  const errRows: string[] = [];
  for (const id of a.only ? a.only.split(",") : Object.keys(cases)) {
    const c = await cases[id]!();
    const { terms, taps } = c;
    const l0 = load();
    for await (const b of data.epoch(0)) {
      // warm-up: the first forward of a model compiles/initialises its kernels (kept out of the build time)
      for (const m of Object.values((await inferBatch(c.teacher, b, { maps: taps })).maps)) m.dispose();
      break;
    }
    // builds: float16 with the teacher's detections (the default), then maps only in float16 and float32
    const built: Record<string, { seconds: number; mapBytes: number; detBytes: number; dir: string }> = {};
    for (const [key, dtype, detections] of [
      ["float16+det", "float16", true],
      ["float16", "float16", false],
      ["float32", "float32", false],
    ] as const) {
      const dir = path.join(root, `${id}-${key}`);
      const r = await buildTeacherCache(
        { teacher: c.teacher, dataset, data },
        { dir, taps, dtype, detections },
      );
      const mapBytes = (await Promise.all(r.manifest.taps.map((t) => stat(path.join(dir, t.file))))).reduce(
        (acc, f) => acc + f.size,
        0,
      );
      built[key] = {
        seconds: r.seconds,
        mapBytes,
        detBytes: detections ? (await stat(path.join(dir, "detections.bin"))).size : 0,
        dir,
      };
    }
    const cache = await openTeacherCache(built.float16!.dir, {
      teacher: c.teacher.identity(),
      taps,
      datasetFingerprint: datasetFingerprint(dataset),
      inputSize: [size, size],
    });
    const need = Distiller.create(terms);
    const names = need.requiredFeatures.teacher;
    need.dispose();
    const [mapLive, mapCache] = await mapTimes(c.teacher, cache, names, data, rounds);
    const [live, cached] = await interleavedSteps([c.teacher, cache], terms, data, steps, warmup);
    await cache.dispose();
    const l1 = load();
    const [ml, mc] = [median(live!.ms), median(cached!.ms)];
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    rows.push(
      `| ${c.name} | ${names.join(", ")} | ${mapLive.toFixed(0)} | ${mapCache.toFixed(0)} | ${(mapLive / mapCache).toFixed(1)}× | ${ml.toFixed(0)} (${range(live!.ms)}) | ${mc.toFixed(0)} (${range(cached!.ms)}) | **${(ml / mc).toFixed(2)}×** | ${built["float16+det"]!.seconds.toFixed(1)} / ${built.float16!.seconds.toFixed(1)} / ${built.float32!.seconds.toFixed(1)} | ${mb(built.float16!.mapBytes)} / ${mb(built.float32!.mapBytes)} (+ ${(built["float16+det"]!.detBytes / 1024).toFixed(0)} KB detections) | ${l0} → ${l1} |`,
    );
    const m = JSON.parse(await readFile(path.join(built.float16!.dir, "manifest.json"), "utf8")) as {
      taps: { name: string; file: string; shape: number[]; maxAbs: number }[];
    };
    const m32 = JSON.parse(
      await readFile(path.join(built.float32!.dir, "manifest.json"), "utf8"),
    ) as typeof m;
    for (const [k, t] of m.taps.entries()) {
      const e = await f16Error(built.float16!.dir, built.float32!.dir, t.file, m32.taps[k]!.file);
      errRows.push(
        `| ${c.name} | ${t.name} | ${t.shape.join("×")} | ${t.maxAbs.toPrecision(4)} | ${e.rel.toExponential(2)} | ${e.absSmall.toExponential(2)} | ${e.relL2.toExponential(2)} |`,
      );
    }
    console.log(
      `${id}: first-step parts live ${JSON.stringify(live!.parts)}; cached ${JSON.stringify(cached!.parts)}`,
    );
    c.dispose();
  }
  await rm(root, { recursive: true, force: true });
  console.log(
    "\n| teacher | maps the distiller reads | teacher maps ms/batch: live | cache | ratio | step ms (median; min–max): live | cache | speed-up | cache build s (f16 + detections / f16 / f32) | maps on disk MB (f16 / f32) | load (1/5/15 min) before → after |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(
    "\n| teacher | map | per-sample shape | max \\|x\\| | max rel. error (\\|x\\| ≥ 2⁻¹⁴) | max abs. error (\\|x\\| < 2⁻¹⁴) | relative L2 error |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of errRows) console.log(r);
}
