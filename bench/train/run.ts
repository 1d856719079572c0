/**
 * bench/train: training-step speed and memory of yolov8-n / yolov8-s (320×320, batch 8) on the
 * backend `initBackend()` picks, next to the same architecture in PyTorch (Debian python3-torch,
 * same thread count) as a ratio; inference ms/image of every registered model at 320 and 640.
 * Writes bench/train/RESULTS.md (the distillation comparison is bench/demo: `kdet demo` over three seeds).
 *
 *   pnpm exec tsx bench/train/run.ts            full run
 *   pnpm exec tsx bench/train/run.ts --quick    smoke run (128 px, batch 2, 1 step; does not write RESULTS.md)
 *   flags: --steps N (default 3), --threads N (default: initBackend's), --no-torch, --no-infer
 *
 * Every measurement runs in its own child process (wasm threads and peak RSS are per process).
 */
import { register } from "node:module";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

const args = process.argv.slice(2);
if (args[0] === "--child") {
  const job = JSON.parse(args[1]!);
  const child = await import("./child");
  const r = job.job === "train" ? await child.runTrain(job) : await child.runInfer(job);
  console.log(`RESULT ${JSON.stringify(r)}`);
  process.exit(0);
}

const flag = (n: string) => args.includes(n);
const opt = (n: string) => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);
const quick = flag("--quick");
const steps = Number(opt("--steps") ?? (quick ? 1 : 3));
const threads = opt("--threads") ? Number(opt("--threads")) : undefined;
const here = fileURLToPath(new URL(".", import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(", ");

function child(job: object): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--child", JSON.stringify(job)],
    { encoding: "utf8", maxBuffer: 1 << 26, env: process.env },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line)
    throw new Error(`child ${JSON.stringify(job)} failed (status ${r.status}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(line.slice(7));
}

function torch(scale: string, nThreads: number, batch: number, size: number): Record<string, unknown> | null {
  if (flag("--no-torch") || !existsSync("/usr/bin/python3")) return null;
  const r = spawnSync(
    "/usr/bin/python3",
    [
      `${here}torch_yolov8.py`,
      "--scale",
      scale,
      "--threads",
      String(nThreads),
      "--batch",
      String(batch),
      "--size",
      String(size),
      "--steps",
      String(steps),
      "--warmup",
      "1",
    ],
    { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: String(nThreads) } },
  );
  if (r.status !== 0) {
    console.error(`torch unavailable: ${r.stderr.slice(-500)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const batch = quick ? 2 : 8;
const size = quick ? 128 : 320;
const loadBefore = load();
const train: Array<{
  id: string;
  full: Record<string, any>;
  proxy: Record<string, any>;
  torch: Record<string, any> | null;
}> = [];
for (const id of ["yolov8-n", "yolov8-s"]) {
  const base = { job: "train", id, batch, size, steps, warmup: 1, ...(threads ? { threads } : {}) };
  const full = child({ ...base, loss: "full" });
  const proxy = child({ ...base, loss: "proxy" });
  const t = torch(id.slice(-1), Number(full.threads ?? 1), batch, size);
  train.push({ id, full, proxy, torch: t });
  console.log(
    id,
    `full ${(full.medianMs as number).toFixed(0)} ms`,
    `proxy ${(proxy.medianMs as number).toFixed(0)} ms`,
    t ? `torch ${(t.medianMs as number).toFixed(0)} ms` : "",
  );
}

const infer = flag("--no-infer")
  ? null
  : (child({
      job: "infer",
      ids: quick
        ? ["yolov8-n", "gfl-mbv2"]
        : ["yolov8-n", "yolov8-s", "yolov8-m", "gfl-r18", "gfl-r50", "gfl-mbv2"],
      sizes: quick ? [128] : [320, 640],
      runs: quick ? 1 : 3,
      ...(threads ? { threads } : {}),
    }) as {
      backend: string;
      threads: number;
      results: Array<{ id: string; size: number; msPerImage: number }>;
    });
if (infer)
  for (const r of infer.results) console.log(`infer ${r.id} @${r.size}: ${r.msPerImage.toFixed(1)} ms`);
const loadAfter = load();

const f0 = train[0]!.full;
const rows = train.map(({ id, full, proxy, torch: t }) => {
  const ratio = t ? (proxy.medianMs as number) / (t.medianMs as number) : null;
  return `| ${id} | ${(full.imagesPerSec as number).toFixed(2)} (${(full.medianMs as number).toFixed(0)} ms) | ${(proxy.imagesPerSec as number).toFixed(2)} (${(proxy.medianMs as number).toFixed(0)} ms) | ${t ? `${(t.imagesPerSec as number).toFixed(2)} (${(t.medianMs as number).toFixed(0)} ms)` : "n/a"} | ${ratio ? `${ratio.toFixed(1)}×` : "n/a"} | ${(full.maxRssMB as number).toFixed(0)} / ${full.wasmHeapMB ? (full.wasmHeapMB as number).toFixed(0) : "–"} / ${(full.liveTensorMB as number).toFixed(0)} | ${t ? (t.maxRssMB as number).toFixed(0) : "n/a"} |`;
});
const inferRows = infer
  ? [...new Set(infer.results.map((r) => r.id))].map(
      (id) =>
        `| ${id} | ${infer.results
          .filter((r) => r.id === id)
          .map((r) => r.msPerImage.toFixed(1))
          .join(" | ")} |`,
    )
  : [];
const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
const md = `# bench/train — results

- Machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB; Node ${process.version}; commit ${commit}; ${new Date().toISOString().slice(0, 10)}.
- Backend: **${f0.backend}**, ${f0.threads} thread(s) (\`initBackend()\` of @kdet/core); PyTorch ${train[0]!.torch?.torch ?? "not run"} (Debian \`python3-torch\`, \`/usr/bin/python3\`, \`OMP_NUM_THREADS=${f0.threads}\` + \`torch.set_num_threads(${f0.threads})\`, NCHW, float32).
- Command: \`pnpm exec tsx bench/train/run.ts${args.length ? ` ${args.join(" ")}` : ""}\`. Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}. Other jobs shared the 2 cores, so absolute numbers are pessimistic; both sides of each ratio were measured in the same run, one right after the other.
- Each number is the median of ${steps} step(s) after 1 warm-up step, each configuration in a fresh process.

## Training step, ${size}×${size}, batch ${batch}, SGD (80 classes)

"full" = the real kdet step (forward, TAL assignment, CIoU + DFL + BCE loss, backward, clipping, SGD);
"proxy" = forward + mean-square of the raw head outputs + backward + SGD, the same step the PyTorch script runs
(the ratio compares these). Memory: process peak RSS / wasm heap size (its high-water mark) / tfjs tensor bytes alive between steps (weights + optimizer state), MB.

| model | kdet full: images/s (step) | kdet proxy: images/s (step) | PyTorch proxy: images/s (step) | kdet / PyTorch time | kdet memory MB (RSS / heap / live) | PyTorch peak RSS MB |
|---|---|---|---|---|---|---|
${rows.join("\n")}

Parameter counts: ${train.map((t) => `${t.id} ${(t.full.params as number).toLocaleString("en")} (PyTorch ${t.torch ? (t.torch.params as number).toLocaleString("en") : "n/a"})`).join("; ")}.

## Inference, batch 1, ms/image (forward + decode + NMS, inference-mode BN, 80 classes)

| model | ${infer ? [...new Set(infer.results.map((r) => r.size))].map((s) => `${s}×${s}`).join(" | ") : ""} |
|---|${infer ? [...new Set(infer.results.map((r) => r.size))].map(() => "---").join("|") : ""}|
${inferRows.join("\n")}
`;
const out = `${here}RESULTS.md`;
if (!quick) writeFileSync(out, md);
console.log(quick ? md : `wrote ${out}`);
