/**
 * End to end, as CI runs it: `kdet demo --quick`, the report in headless Chromium, `kdet eval` on the
 * written files against the demo's own numbers, documented config errors, and a killed run resumed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { loadExperiment } from "./config-load";
import { loadGraphExport, postprocessImage } from "./detectors-api";
import { DETECTOR_IDS } from "./detectors-config";
import type { SplitEvaluation } from "./evaluate-split";
import { main } from "./main";
import { readMetricsLog } from "./metrics-log";
import { loadModelFolder } from "./models";
import { RUN_FILES } from "./run-folder";
import { launchChromium } from "./testing/chromium";
import { spawnKdet } from "./testing/kdet-process";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-e2e-"));
const runs = path.join(T, "runs");
const demoDir = path.join(runs, "ci");
const STAGES = ["teacher", "baseline", "cwd"] as const;
const cwd = process.cwd();

beforeAll(() => process.chdir(T));
afterAll(() => process.chdir(cwd));

async function kdet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("kdet end to end", () => {
  it("kdet demo --quick runs every stage and writes the table, report and reproducible stage folders", async () => {
    const r = await kdet("demo", "--quick", "--out", runs, "--name", "ci", "--backend", "wasm");
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^kdet backend: wasm/m);
    const rows = r.out.split("\n").filter((l) => /^\| (teacher|baseline|cwd) \|/.test(l));
    expect(rows.map((l) => l.split("|")[1]!.trim())).toEqual([...STAGES]);
    expect(existsSync(path.join(demoDir, RUN_FILES.report))).toBe(true);
    const results = JSON.parse(readFileSync(path.join(demoDir, "results.json"), "utf8")) as {
      rows: Array<{
        label: string;
        mAP: number;
        AP50: number;
        params: number;
        gflops: number;
        gain: number | null;
      }>;
    };
    for (const s of STAGES) {
      const d = s === "teacher" ? path.join(demoDir, "teacher") : path.join(demoDir, s);
      for (const f of [
        RUN_FILES.config,
        RUN_FILES.metrics,
        RUN_FILES.last,
        RUN_FILES.done,
        "weights/model.json",
        "weights/kdet.json",
        "eval/gt.json",
        "eval/results.json",
        "eval/metrics.json",
      ])
        expect(existsSync(path.join(d, f)), `${s}/${f}`).toBe(true);
      const exp = loadExperiment(path.join(d, RUN_FILES.config)); // each stage reruns with kdet train|distill --config
      expect(exp.distill.length > 0).toBe(s === "cwd");
      const m = JSON.parse(readFileSync(path.join(d, "eval/metrics.json"), "utf8")) as SplitEvaluation;
      const row = results.rows.find((x) => x.label === s)!;
      expect(row.mAP).toBe(m.stats[0]);
      expect(row.AP50).toBe(m.stats[1]);
      expect(readMetricsLog(path.join(d, RUN_FILES.metrics)).steps.map((x) => x.step)).toEqual([1, 2, 3, 4]);
    }
    const base = results.rows.find((x) => x.label === "baseline")!;
    const cwdRow = results.rows.find((x) => x.label === "cwd")!;
    expect(cwdRow.gain).toBeCloseTo(100 * (cwdRow.mAP - base.mAP), 10);
    expect(cwdRow.params).toBe(base.params);
    expect(results.rows.find((x) => x.label === "teacher")!.gflops).toBeGreaterThan(3 * base.gflops);
  }, 900_000);

  it("kdet demo --resume repeats the demo's options and reloads finished stages", async () => {
    expect(JSON.parse(readFileSync(path.join(demoDir, "demo.json"), "utf8"))).toEqual({
      argv: ["--quick", "--out", runs, "--name", "ci"],
    });
    const before = readFileSync(path.join(demoDir, "results.md"), "utf8").split("\n\n")[0];
    const r = await kdet("demo", "--resume", demoDir);
    expect(r.code, r.err).toBe(0);
    for (const s of STAGES)
      expect(r.err).toMatch(new RegExp(`^${s} yolov8-[ns]: already trained, weights loaded from`, "m"));
    // the same table but the ms/img column (timing is measured again)
    const noTiming = (table: string) =>
      table
        .split("\n")
        .map((l) =>
          l
            .split("|")
            .filter((_, i) => i !== 5)
            .join("|"),
        )
        .join("\n");
    expect(noTiming(r.out.split("\n\n")[0]!)).toBe(noTiming(before!));
    expect((await kdet("demo", "--resume", demoDir, "--methods", "fsd")).err).toMatch(
      /not allowed with it: --methods/,
    );
    expect((await kdet("demo", "--resume", path.join(demoDir, "cwd"))).err).toMatch(
      /not a kdet demo folder \(no demo\.json\)/,
    );
  }, 600_000);

  it("kdet eval on the written files gives exactly the demo's numbers", async () => {
    for (const s of STAGES) {
      const d = path.join(demoDir, s);
      const r = await kdet("eval", path.join(d, "eval/gt.json"), path.join(d, "eval/results.json"), "--json");
      expect(r.code, r.err).toBe(0);
      const separate = JSON.parse(r.out) as { stats: number[]; numDetections: number };
      const own = JSON.parse(readFileSync(path.join(d, "eval/metrics.json"), "utf8")) as SplitEvaluation;
      expect(separate.stats).toEqual(own.stats);
      expect(separate.numDetections).toBe(own.numDetections);
    }
  });

  it("each demo stage's config.yaml reproduces its numbers exactly with kdet train / kdet distill", async () => {
    for (const [cmd, stage] of [
      ["train", "baseline"],
      ["distill", "cwd"],
    ] as const) {
      const r = await kdet(
        cmd,
        "--config",
        path.join(demoDir, stage, RUN_FILES.config),
        "--name",
        `repro-${stage}`,
      );
      expect(r.code, r.err).toBe(0);
      const again = JSON.parse(
        readFileSync(path.join(runs, `repro-${stage}`, "eval/metrics.json"), "utf8"),
      ) as SplitEvaluation;
      const demo = JSON.parse(
        readFileSync(path.join(demoDir, stage, "eval/metrics.json"), "utf8"),
      ) as SplitEvaluation;
      expect(again.stats).toEqual(demo.stats);
      expect(
        readMetricsLog(path.join(runs, `repro-${stage}`, RUN_FILES.metrics)).steps.map((x) => x.loss),
      ).toEqual(readMetricsLog(path.join(demoDir, stage, RUN_FILES.metrics)).steps.map((x) => x.loss));
    }
  }, 600_000);

  it("report.html renders in headless Chromium with no console errors and shows the plots and samples", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("requestfailed", (q) => errors.push(`request failed: ${q.url()}`));
      await page.goto(pathToFileURL(path.join(demoDir, RUN_FILES.report)).href, { waitUntil: "load" });
      // runs in the page (a string: this package compiles without the DOM types)
      const seen = (await page.evaluate(`(() => ({
        sections: [...document.querySelectorAll("h2")].map((h) => h.textContent),
        loss: document.querySelectorAll("#loss svg.chart").length,
        lossLines: document.querySelectorAll("#loss polyline.series").length,
        map: document.querySelectorAll("#map svg.chart").length,
        pr: document.querySelectorAll("#pr svg.chart").length,
        rows: document.querySelectorAll("table.results tr").length,
        images: [...document.querySelectorAll("img.sample")].map((i) => i.complete && i.naturalWidth > 0),
        chartBoxes: [...document.querySelectorAll("svg.chart")].map((s) => s.getBoundingClientRect().width),
      }))()`)) as {
        sections: string[];
        loss: number;
        lossLines: number;
        map: number;
        pr: number;
        rows: number;
        images: boolean[];
        chartBoxes: number[];
      };
      expect(errors).toEqual([]);
      expect(seen.sections).toEqual([
        "Results",
        "Loss curves",
        "mAP over epochs",
        "Precision–recall per class",
        "Per-class AP",
        "Sample predictions",
        "Config",
      ]);
      expect(seen.loss).toBe(1 + STAGES.length); // total + parts per model
      expect(seen.lossLines).toBeGreaterThanOrEqual(STAGES.length + 3 * STAGES.length);
      expect(seen.map).toBe(2);
      expect(seen.pr).toBeGreaterThan(0);
      expect(seen.rows).toBe(1 + STAGES.length);
      expect(seen.images.length).toBe(6 * (1 + STAGES.length)); // 6 sample images x (ground truth + 3 models)
      expect(seen.images.every(Boolean)).toBe(true);
      expect(seen.chartBoxes.every((w) => w > 100)).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("kdet export writes a TF.js graph model whose detections equal the trained model's; kdet predict reproduces the demo's results", async () => {
    const exported = path.join(T, "export-cwd");
    const weights = path.join(demoDir, "cwd/weights");
    const e = await kdet("export", "--run", path.join(demoDir, "cwd"), "--out", exported);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(
      /TF\.js graph model, .*outputs boxes \[-1,\d+,4\], scores \[-1,\d+,\d+\]; check vs the trained model: max relative difference/,
    );
    expect(
      readdirSync(exported)
        .filter((f) => !/^group1-shard\d+of\d+\.bin$/.test(f))
        .sort(),
    ).toEqual(["kdet.json", "model.json"]);
    expect(
      (JSON.parse(readFileSync(path.join(exported, "model.json"), "utf8")) as { format: string }).format,
    ).toBe("graph-model");
    expect((await kdet("export", "--run", path.join(demoDir, "cwd"), "--out", exported)).err).toMatch(
      /the folder is not empty/,
    );
    // the graph's boxes/scores through the same NMS give the trained model's detections on an image
    const trained = JSON.parse(readFileSync(path.join(weights, "kdet.json"), "utf8")) as {
      classNames: string[];
      imageSize: number;
    };
    const { model: graph, meta } = await loadGraphExport(exported);
    const det = await loadModelFolder(weights, "weights");
    expect(meta.classNames).toEqual(trained.classNames);
    expect(meta.input.shape).toEqual([-1, trained.imageSize, trained.imageSize, 3]);
    const S = trained.imageSize;
    const x = tf.tidy(() =>
      tf.add(tf.mul(tf.randomUniform([1, S, S, 3], 0, 1, "float32", 3), 0.5), 0.25),
    ) as tf.Tensor4D;
    const [boxes, scores] = graph.execute(x, ["boxes", "scores"]) as tf.Tensor[];
    // threshold at a third of the best score: a few candidates on a random image from a briefly trained model
    const post = {
      scoreThreshold: tf.tidy(() => tf.max(scores!).dataSync()[0]!) / 3,
      iouThreshold: meta.postprocess.iouThreshold,
      maxDetections: 100,
      clipTo: { width: S, height: S },
    };
    const fromGraph = postprocessImage(boxes!.dataSync(), scores!.dataSync(), meta.classNames.length, post);
    const fromModel = (await det.predict(x, post))[0]!;
    expect(fromGraph.scores.length).toBeGreaterThan(0);
    expect(Array.from(fromGraph.classes)).toEqual(Array.from(fromModel.classes));
    fromGraph.scores.forEach((v, i) => expect(v).toBeCloseTo(fromModel.scores[i]!, 4));
    fromGraph.boxes.forEach((v, i) => expect(v).toBeCloseTo(fromModel.boxes[i]!, 2));
    tf.dispose([x, boxes!, scores!]);
    graph.dispose();
    det.dispose();
    const out = path.join(T, "pred");
    const p = await kdet(
      "predict",
      "--weights",
      weights,
      "--out",
      out,
      path.join(demoDir, "data/test/images"),
    );
    expect(p.code, p.err).toBe(0);
    const own = JSON.parse(readFileSync(path.join(demoDir, "cwd/eval/results.json"), "utf8")) as Array<{
      image_id: number;
      category_id: number;
      bbox: number[];
      score: number;
    }>;
    const pred = JSON.parse(readFileSync(path.join(out, "predictions.json"), "utf8")) as typeof own;
    expect(pred.length).toBe(own.length);
    pred.forEach((d, i) => {
      const o = own[i]!;
      expect([d.image_id, d.category_id]).toEqual([o.image_id, o.category_id]);
      expect(d.score).toBeCloseTo(o.score, 4);
      d.bbox.forEach((v, k) => expect(v).toBeCloseTo(o.bbox[k]!, 2));
    });
    const images = JSON.parse(readFileSync(path.join(out, "images.json"), "utf8")) as {
      images: Array<{ id: number; file_name: string }>;
    };
    expect(images.images.length).toBe(8);
    for (const im of images.images)
      expect(
        existsSync(path.join(out, `${path.basename(im.file_name).replace(/\.[^.]+$/, "")}.png`)),
        im.file_name,
      ).toBe(true);
  }, 300_000);

  it("bad configs and bad usage exit non-zero with the documented errors and no stack trace", async () => {
    const bad = path.join(T, "bad.yaml");
    writeFileSync(
      bad,
      "data: {train: {type: synthetic}, imageSize: 64}\nmodel: {type: yolov8-xl}\ntrain: {epochs: 1, optimizer: {type: sgd, lr: -1}}\n",
    );
    const r = await kdet("train", "--config", bad);
    expect(r.code).toBe(1);
    // the suggestions are the ids at the smallest edit distance (2: "xl" → "n", "s" or "m"), in registry order
    expect(r.err).toBe(
      `kdet train: error: invalid config ${bad}:\n  model.type: got "yolov8-xl"; allowed: one of ${DETECTOR_IDS.map((id) => `"${id}"`).join(", ")}; did you mean "yolov8-n" or "yolov8-s" or "yolov8-m"?\n  train.optimizer.lr: got -1; allowed: > 0\n`,
    );
    const set = await kdet(
      "config",
      "print",
      "--config",
      path.join(demoDir, "baseline", RUN_FILES.config),
      "--set",
      "data.batchSize=0",
    );
    expect(set.code).toBe(1);
    expect(set.err).toMatch(
      /\(with --set data\.batchSize=0\):\n {2}data\.batchSize: got 0; allowed: >= 1\n$/,
    );
    const wrongTeacher = await kdet(
      "distill",
      "--config",
      path.join(demoDir, "cwd", RUN_FILES.config),
      "--set",
      "teacher.type=yolov8-m",
      "--name",
      "wrong-teacher",
    );
    expect(wrongTeacher.code).toBe(1);
    expect(wrongTeacher.err).toMatch(
      /teacher\.type: got "yolov8-m" but .*teacher\/weights holds a yolov8-s; allowed: "yolov8-s"/,
    );
    const wrongKind = await kdet("distill", "--config", path.join(demoDir, "baseline", RUN_FILES.config));
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.err).toMatch(/distill: got no terms; allowed: a list of terms/);
    for (const argv of [
      ["train"],
      ["train", "--config", bad, "--epochs", "3"],
      ["demo", "--methods", "cwd,nope"],
      ["demo", "--backend", "gpu"],
      ["frobnicate"],
      ["config"],
    ]) {
      const u = await kdet(...argv);
      expect(u.code, argv.join(" ")).toBe(2);
      expect(u.err).not.toMatch(/\n\s+at /);
    }
    expect((await kdet("demo", "--methods", "cwd,nope")).err).toMatch(
      /--methods: got "cwd,nope"; allowed: a comma-separated list of cwd, qfl-kd, cwd-qfl, mse, pkd, mgd, fgd, fsd, ckd, rdkd/,
    );
    // a bare command group prints its subcommands (exit 2, checked above); a mistyped subcommand is named
    expect((await kdet("config")).err).toMatch(
      /^Usage: kdet config <subcommand> .*\n\nSubcommands:\n {2}config print +print the resolved, validated config\n {2}config schema +write the JSON Schema of config files\n$/,
    );
    expect((await kdet("config", "prnt")).err).toBe(
      'kdet: unknown command "config prnt"; "config" needs one of: config print, config schema; did you mean "config print"?\n',
    );
  });

  it("a killed run resumes from its last checkpoint; the new run gets its own folder", async () => {
    const cfg = path.join(T, "tiny.yaml");
    writeFileSync(
      cfg,
      `data:
  train: {type: synthetic, seed: 1, numImages: 16, size: 64, maxObjects: 2, minObjectSize: 16}
  val: {type: synthetic, seed: 2, numImages: 4, size: 64, maxObjects: 2, minObjectSize: 16}
  imageSize: 64
  batchSize: 4
  augment: false
model: {type: yolov8-n}
train: {epochs: 3, optimizer: {type: sgd, lr: 0.01}, ema: false, valEvery: 0, checkpointEvery: 1}
output: {dir: ${runs}, samples: 2}
`,
    );
    const dir = path.join(runs, "tiny");
    const p = spawnKdet(["train", "--config", cfg, "--backend", "wasm"], T);
    const metrics = path.join(dir, RUN_FILES.metrics);
    const t0 = Date.now();
    while (readMetricsLog(metrics).steps.length < 6) {
      if (Date.now() - t0 > 300_000) throw new Error(`no progress within 5 minutes:\n${p.output()}`);
      if (p.child.exitCode !== null)
        throw new Error(`kdet exited early (${p.child.exitCode}):\n${p.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    p.child.kill("SIGKILL");
    await p.exited;
    expect(existsSync(path.join(dir, RUN_FILES.done))).toBe(false);
    const killedAt = readMetricsLog(metrics).steps.length;
    expect(killedAt).toBeLessThan(12);

    const r = await kdet("train", "--resume", dir);
    expect(r.code, r.err).toBe(0);
    const resumedAt = Number(/resuming at step (\d+) of 12/.exec(r.err)?.[1]);
    expect(resumedAt).toBeGreaterThanOrEqual(killedAt - 1); // a checkpoint after every step
    expect(resumedAt).toBeLessThanOrEqual(killedAt);
    expect(readMetricsLog(metrics).steps.map((s) => s.step)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(JSON.parse(readFileSync(path.join(dir, RUN_FILES.done), "utf8")).steps).toBe(12);
    for (const f of ["weights/model.json", "eval/results.json", RUN_FILES.report])
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    const again = await kdet("config", "print", "--config", cfg);
    expect(again.code).toBe(0);
    // the same config started again never touches the first run's folder
    const fresh = spawnKdet(["train", "--config", cfg, "--backend", "wasm"], T);
    while (!existsSync(path.join(runs, "tiny-2", RUN_FILES.config))) {
      if (fresh.child.exitCode !== null) throw new Error(fresh.output());
      await new Promise((res) => setTimeout(res, 100));
    }
    fresh.child.kill("SIGKILL");
    await fresh.exited;
    expect(readMetricsLog(metrics).steps.length).toBe(12);
  }, 900_000);
});
