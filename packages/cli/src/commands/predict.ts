/**
 * `kdet predict --weights DIR IMAGES...`: runs a trained model on image files (or a configured
 * split), writes one PNG per image with the detections drawn, and the detections as a COCO results
 * json (`predictions.json`) with the matching image list (`images.json`, COCO images/categories).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Dataset } from "@kdet/data";
import { numberOption, optionsHelp, parseOptions, type OptionTable } from "../args";
import { BACKENDS, startBackend } from "../backend";
import type { Command } from "../command";
import { CliError, UsageError } from "../errors";
import { readModelMeta } from "../model-meta";
import { Progress } from "../progress";
import { writeRunFile } from "../run-folder";
import { parseSetArg } from "../set-override";

const OPTIONS = {
  weights: {
    type: "string",
    short: "w",
    arg: "DIR",
    help: "kdet weights folder (runs/<name>/weights, written by kdet train/distill); not a kdet export folder (exports are TF.js graph models for tf.loadGraphModel)",
  },
  out: { type: "string", short: "o", arg: "DIR", help: "output folder (default predictions/)" },
  config: {
    type: "string",
    short: "c",
    arg: "FILE",
    help: "predict on a split of this experiment config instead of image files",
  },
  split: { type: "string", arg: "NAME", help: "with --config: train, val or test (default test, else val)" },
  set: { type: "string", multiple: true, arg: "KEY=VALUE", help: "with --config: override a config key" },
  score: {
    type: "string",
    arg: "S",
    help: "minimum score drawn in the PNGs (default 0.25; the json keeps all)",
  },
  size: { type: "string", arg: "N", help: "input size (default: the model's training size)" },
  backend: { type: "string", arg: "NAME", help: `${BACKENDS.join(", ")} (default auto)` },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet predict --weights DIR [--out DIR] IMAGE_OR_FOLDER ...
       kdet predict --weights DIR --config FILE [--split test] [--out DIR]

Writes <out>/<image>.png with the detections drawn, <out>/predictions.json (COCO results) and
<out>/images.json (the COCO image and category list the ids refer to).

Options:
${optionsHelp(OPTIONS)}`;

/**
 * The note for images where no detection reached `--score`: how many, the best score seen, and a `--score`
 * that would draw the best detections (just below the best score, rounded down to 0.01).
 */
export function nothingDrawnNote(empty: number, total: number, minScore: number, best: number): string {
  const which =
    empty === total
      ? `no detection with score >= ${minScore} in any of the ${total} image(s), so the PNGs show no boxes`
      : `${empty} of ${total} image(s) have no detection with score >= ${minScore}`;
  const hint =
    best > 0
      ? `; the highest score is ${best.toFixed(3)}: try --score ${Math.max(0.01, Math.floor(best * 100 - 1) / 100).toFixed(2)} (predictions.json keeps every detection)`
      : "; the model detected nothing at all (an untrained or mismatched model?)";
  return `note: ${which}${hint}`;
}

/** `kdet predict`. */
export const predictCommand: Command = {
  summary: "draw a model's detections on images; write PNGs and a COCO results json",
  usage: USAGE,
  async run(argv, io) {
    const { values: o, positionals } = parseOptions(argv, OPTIONS, USAGE, [0, 100_000]);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    if (!o.weights) throw new UsageError(`--weights DIR is required\n\n${USAGE}`);
    if (!o.config && positionals.length === 0)
      throw new UsageError(`give image files or folders, or --config FILE\n\n${USAGE}`);
    if (o.backend !== undefined && !BACKENDS.includes(o.backend as never))
      throw new UsageError(`--backend: got "${o.backend}"; allowed: ${BACKENDS.join(", ")}`);
    const minScore = numberOption("score", o.score, { min: 0, max: 1 }) ?? 0.25;
    const meta = readModelMeta(o.weights);
    await startBackend(io, (o.backend as (typeof BACKENDS)[number]) ?? "auto");
    // the data and image code loads here, so `kdet predict --help` stays fast
    const { encodePng, toCocoGt, toCocoResults } = await import("@kdet/data");
    const { evalLoader, loadSplit } = await import("../datasets");
    const { drawBoxes, upscale, withLegend } = await import("../draw-boxes");
    const { imageFolderDataset, listImages } = await import("../image-folder");
    const { confident } = await import("../report-samples");
    const { loadModelFolder } = await import("../models");
    const { predictSplit } = await import("../predict-split");
    const model = await loadModelFolder(o.weights, "--weights");
    try {
      const size = numberOption("size", o.size, { int: true, min: 32, max: 2048 }) ?? meta?.imageSize;
      if (!size)
        throw new UsageError(`--size is required: ${o.weights} has no kdet.json with the training size`);
      let ds: Dataset;
      if (o.config) {
        const { loadExperiment } = await import("../config-load");
        const exp = loadExperiment(o.config, (o.set ?? []).map(parseSetArg));
        const split = (o.split ?? (exp.data.test ? "test" : "val")) as "train" | "val" | "test";
        const cfg = exp.data[split];
        if (!cfg) throw new CliError(`${o.config}: data.${split} is not configured`);
        ds = await loadSplit(cfg, split);
      } else {
        const names = meta?.classNames ?? Array.from({ length: model.numClasses }, (_, k) => `class${k}`);
        ds = await imageFolderDataset(
          listImages(positionals),
          names,
          meta?.categoryIds ?? names.map((_, k) => k + 1),
        );
      }
      if (ds.classNames.length !== model.numClasses)
        throw new CliError(`the data has ${ds.classNames.length} classes, the model ${model.numClasses}`);
      const loader = evalLoader(ds, { batchSize: 8, imageSize: size, cache: false } as never);
      const bar = new Progress(io, {
        label: "predict",
        total: loader.batchesPerEpoch,
        unit: "img",
        perTick: 8,
      });
      const { detections } = await predictSplit(model, loader, meta?.postprocess ?? {}, bar);
      bar.finish();
      const out = o.out ?? "predictions";
      await mkdir(out, { recursive: true });
      await writeRunFile(path.join(out, "predictions.json"), JSON.stringify(toCocoResults(ds, detections)));
      const images = toCocoGt(ds);
      await writeRunFile(
        path.join(out, "images.json"),
        JSON.stringify({ images: images.images, categories: images.categories }),
      );
      let empty = 0;
      let best = 0;
      for (const d of detections) {
        const img = await ds.loadImage(d.index);
        const shown = confident(d, minScore);
        const side = Math.max(img.width, img.height);
        const textScale = Math.max(1, Math.round(side / 320));
        const drawn = upscale(img, 1);
        drawBoxes(drawn, shown, 1, Math.max(2, Math.round(side / 250)), { names: ds.classNames, textScale });
        const present = [...new Set(Array.from(shown.classes))].sort((a, b) => a - b);
        const top = d.scores.reduce((a, b) => Math.max(a, b), 0);
        best = Math.max(best, top);
        if (present.length === 0) empty++;
        const canvas = withLegend(
          drawn,
          present.map((k) => ({ name: ds.classNames[k] ?? `class ${k}`, classIndex: k })),
          textScale,
          present.length ? undefined : `no detection with score >= ${minScore} (best ${top.toFixed(2)})`,
        );
        const stem = path
          .basename(ds.records[d.index]!.file || String(ds.records[d.index]!.imageId))
          .replace(/\.[^.]+$/, "");
        await writeRunFile(
          path.join(out, `${stem}.png`),
          await encodePng({ data: canvas.data, width: canvas.width, height: canvas.height, channels: 3 }),
        );
      }
      io.stdout(
        `${detections.length} image(s): ${out}/*.png, ${out}/predictions.json (COCO results), ${out}/images.json\n`,
      );
      if (empty > 0) io.stderr(`${nothingDrawnNote(empty, detections.length, minScore, best)}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
