/**
 * Fault test of run folders: a tiny training run (synthetic data, YOLOv8-n at 64 px, 2 epochs of 2
 * steps, EMA on, a checkpoint every step) is interrupted in every way a run can be — Ctrl-C (SIGINT)
 * at a step, SIGKILL of the process at a random step, and a crash in the middle of writing each file
 * the run writes (a torn temporary file beside the previous version, a torn last line of
 * metrics.jsonl) — then resumed with `kdet train --resume`. Every resumed run must end with weights
 * byte-identical to the uninterrupted run, and with each step logged once.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { main } from "./main";
import { readMetricsLog } from "./metrics-log";
import { RUN_FILES } from "./run-folder";
import { spawnKdet } from "./testing/kdet-process";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-faults-"));
const runs = path.join(T, "runs");
const config = path.join(T, "tiny.yaml");
const STEPS = 4;

async function kdet(...argv: string[]): Promise<{ code: number; err: string }> {
  const io = bufferIo();
  const code = await main([...argv, "--backend", "wasm"], io);
  return { code, err: io.err.join("") };
}

/** Every file under `dir` (relative paths), sorted. */
function filesOf(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? filesOf(p).map((g) => path.join(f, g)) : [f];
    })
    .sort();
}

/** The final weights of a run: every file of weights/ (model.json, shards, kdet.json) by its SHA-256. */
const weightsOf = (dir: string) =>
  Object.fromEntries(
    filesOf(path.join(dir, RUN_FILES.weights)).map((f) => [
      f,
      createHash("sha256")
        .update(readFileSync(path.join(dir, RUN_FILES.weights, f)))
        .digest("hex"),
    ]),
  );
const stepsOf = (dir: string) => readMetricsLog(path.join(dir, RUN_FILES.metrics)).steps.map((s) => s.step);
const ALL_STEPS = Array.from({ length: STEPS }, (_, i) => i + 1);

let reference = "";
let refWeights: Record<string, string> = {};
/** A copy of the run interrupted by SIGINT (for the torn-write cases), and the step it stopped at. */
let interrupted = "";
let stoppedAt = 0;

beforeAll(async () => {
  writeFileSync(
    config,
    `data:
  train: {type: synthetic, seed: 1, numImages: 8, size: 64, maxObjects: 2, minObjectSize: 16}
  imageSize: 64
  batchSize: 4
  augment: false
model: {type: yolov8-n}
train: {epochs: 2, optimizer: {type: sgd, lr: 0.01}, valEvery: 0, checkpointEvery: 1}
output: {dir: ${runs}, samples: 1}
`,
  );
  const r = await kdet("train", "--config", config, "--name", "reference");
  expect(r.code, r.err).toBe(0);
  reference = path.join(runs, "reference");
  refWeights = weightsOf(reference);
  expect(stepsOf(reference)).toEqual(ALL_STEPS);
}, 300_000);
afterAll(() => rmSync(T, { recursive: true, force: true }));

/** Resumes `dir` and checks the weights equal the reference and each step is logged once. */
async function resumeAndCompare(dir: string, what: string): Promise<string> {
  const r = await kdet("train", "--resume", dir);
  expect(r.code, `${what}:\n${r.err}`).toBe(0);
  expect(weightsOf(dir), what).toEqual(refWeights);
  expect(stepsOf(dir), what).toEqual(ALL_STEPS);
  expect(
    filesOf(dir).filter((f) => f.includes(".tmp-")),
    `${what}: temporary files left`,
  ).toEqual([]);
  return r.err;
}

describe("run folder faults", () => {
  it("Ctrl-C (SIGINT) checkpoints the current step, prints the resume command (exit 130); resume is exact", async () => {
    const dir = path.join(runs, "sigint");
    const watcher = setInterval(() => {
      const m = path.join(dir, RUN_FILES.metrics);
      if (existsSync(m) && readMetricsLog(m).steps.length >= 2) {
        clearInterval(watcher);
        process.emit("SIGINT");
      }
    }, 20);
    const r = await kdet("train", "--config", config, "--name", "sigint");
    clearInterval(watcher);
    expect(r.code, r.err).toBe(130);
    // the step running when the signal came is finished and checkpointed
    stoppedAt = Number(/interrupted at step (\d) of 4; checkpoint saved/.exec(r.err)?.[1]);
    expect([2, 3]).toContain(stoppedAt);
    expect(r.err).toContain(`resume with: kdet train --resume ${dir}`);
    expect(stepsOf(dir)).toEqual(ALL_STEPS.slice(0, stoppedAt));
    interrupted = path.join(T, "interrupted");
    cpSync(dir, interrupted, { recursive: true });
    expect(await resumeAndCompare(dir, "SIGINT")).toContain(`resuming at step ${stoppedAt} of 4`);
  }, 300_000);

  it("SIGKILL of the process at a random step resumes to the same weights", async () => {
    // processes load TensorFlow.js their own way (their float results differ from this test process in the
    // last bits), so the killed run is compared with an uninterrupted run in a process, started alongside
    const killAt = 1 + Math.floor(Math.random() * (STEPS - 1)); // 1..3
    const dir = path.join(runs, "killed");
    const ref = spawnKdet(
      ["train", "--config", config, "--name", "process-reference", "--backend", "wasm"],
      T,
    );
    const p = spawnKdet(["train", "--config", config, "--name", "killed", "--backend", "wasm"], T);
    const t0 = Date.now();
    const m = path.join(dir, RUN_FILES.metrics);
    while (!existsSync(m) || readMetricsLog(m).steps.length < killAt) {
      if (p.child.exitCode !== null) throw new Error(`kdet exited early:\n${p.output()}`);
      if (Date.now() - t0 > 240_000) throw new Error(`no progress:\n${p.output()}`);
      await new Promise((res) => setTimeout(res, 10));
    }
    p.child.kill("SIGKILL");
    await p.exited;
    const resumed = spawnKdet(["train", "--resume", dir, "--backend", "wasm"], T);
    expect(await resumed.exited, resumed.output()).toBe(0);
    expect(await ref.exited, ref.output()).toBe(0);
    expect(weightsOf(dir), `SIGKILL after step ${killAt}`).toEqual(
      weightsOf(path.join(runs, "process-reference")),
    );
    expect(stepsOf(dir)).toEqual(ALL_STEPS);
  }, 300_000);

  it("a crash while writing metrics.jsonl (torn last line) or last.ckpt (torn temporary file) resumes exactly", async () => {
    // the crash hit the append of the next step's line: a torn line
    const torn = path.join(T, "torn-metrics");
    cpSync(interrupted, torn, { recursive: true });
    writeFileSync(path.join(torn, RUN_FILES.metrics), `{"kind":"step","step":${stoppedAt + 1},"epo`, {
      flag: "a",
    });
    await resumeAndCompare(torn, "torn metrics.jsonl");
    // the crash hit the atomic write of the next checkpoint: its temporary file is torn, last.ckpt the previous
    const ckpt = path.join(T, "torn-ckpt");
    cpSync(interrupted, ckpt, { recursive: true });
    const bytes = readFileSync(path.join(ckpt, RUN_FILES.last));
    writeFileSync(path.join(ckpt, `${RUN_FILES.last}.tmp-4242-0`), bytes.subarray(0, bytes.length >> 1));
    await resumeAndCompare(ckpt, "torn last.ckpt temporary file");
    // last.ckpt itself torn in place (a disk that lost its tail): a clear error naming it, never a silent resume
    const inPlace = path.join(T, "torn-ckpt-in-place");
    cpSync(interrupted, inPlace, { recursive: true });
    writeFileSync(path.join(inPlace, RUN_FILES.last), bytes.subarray(0, bytes.length - 100));
    const r = await kdet("train", "--resume", inPlace);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot resume from .*last\.ckpt: .*last\.ckpt holds \d+ tensor bytes/);
    // last.ckpt of the right size with its tensor bytes overwritten by NaN: refused by its checksum
    const nanBytes = Buffer.from(bytes);
    for (let i = 12 + nanBytes.readUInt32LE(8); i + 4 <= nanBytes.length; i += 4)
      nanBytes.writeFloatLE(Number.NaN, i);
    writeFileSync(path.join(inPlace, RUN_FILES.last), nanBytes);
    const n = await kdet("train", "--resume", inPlace);
    expect(n.code).toBe(1);
    expect(n.err).toMatch(/last\.ckpt is corrupt: SHA-256/);
    expect(existsSync(path.join(inPlace, RUN_FILES.done))).toBe(false);
  }, 300_000);

  it("a crash while writing any other file of the run (a torn temporary file, the file missing) resumes exactly", async () => {
    // every file of the finished run except the checkpoints (above) and metrics.jsonl: the crash hit its write
    // (one weight shard stands for all: they are written alike)
    const files = filesOf(reference).filter(
      (f) =>
        ![RUN_FILES.last, RUN_FILES.metrics, RUN_FILES.config, RUN_FILES.run].includes(f as never) &&
        !/shard[2-9]/.test(f),
    );
    expect(files).toEqual(
      expect.arrayContaining([RUN_FILES.done, RUN_FILES.report, "eval/metrics.json", "weights/model.json"]),
    );
    for (const f of files) {
      const dir = path.join(T, `torn-${f.replace(/[/.]/g, "-")}`);
      cpSync(reference, dir, { recursive: true });
      const bytes = readFileSync(path.join(dir, f));
      rmSync(path.join(dir, f));
      writeFileSync(path.join(dir, `${f}.tmp-4242-0`), bytes.subarray(0, bytes.length >> 1));
      // files are written in the order weights/ → done.json → eval/ → report.html: a crash before
      // done.json leaves the stage to finish again
      if (f.startsWith(`${RUN_FILES.weights}/`)) rmSync(path.join(dir, RUN_FILES.done), { force: true });
      await resumeAndCompare(dir, `torn ${f}`);
      expect(existsSync(path.join(dir, f)), f).toBe(true);
      if (!/report\.html|done\.json/.test(f))
        expect(readFileSync(path.join(dir, f)).equals(bytes), `${f} rewritten identically`).toBe(true);
    }
  }, 600_000);

  it("a crash while creating the run (config.yaml missing) and an edited config are clear errors", async () => {
    const noConfig = path.join(T, "no-config");
    cpSync(interrupted, noConfig, { recursive: true });
    rmSync(path.join(noConfig, RUN_FILES.config));
    const r = await kdet("train", "--resume", noConfig);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a kdet run folder \(no config\.yaml\)/);
    const edited = path.join(T, "edited");
    cpSync(interrupted, edited, { recursive: true });
    const cfgFile = path.join(edited, RUN_FILES.config);
    writeFileSync(
      cfgFile,
      readFileSync(cfgFile, "utf8")
        .replace(/lr: 0\.01/, "lr: 0.02")
        .replace(/numImages: 8/, "numImages: 16")
        .replace(/epochs: 2/, "epochs: 3")
        .replace(/seed: 1\b/, "seed: 5"),
    );
    const e = await kdet("train", "--resume", edited);
    expect(e.code).toBe(1);
    for (const change of [
      "data.train.numImages: was 8, now 16",
      "data.train.seed: was 1, now 5",
      "train.epochs: was 2, now 3",
      "train.optimizer.lr: was 0.01, now 0.02",
    ])
      expect(e.err).toContain(change);
    expect(stepsOf(edited)).toEqual(ALL_STEPS.slice(0, stoppedAt)); // nothing was trained
  }, 120_000);

  it("a learning rate that makes the loss diverge (1e308) stops with advice, keeping no NaN weights", async () => {
    const nan = await kdet(
      "train",
      "--config",
      config,
      "--name",
      "diverges",
      "--set",
      "train.optimizer.lr=1e308",
    );
    expect(nan.err).not.toMatch(/internal error/);
    expect(nan.code, nan.err).toBe(1);
    expect(nan.err).toMatch(/training diverged at step \d|weights diverged by step \d/);
    expect(nan.err).toMatch(/learning rate .*warmup.*float16/s);
    expect(existsSync(path.join(runs, "diverges", RUN_FILES.done))).toBe(false);
  }, 120_000);
});
