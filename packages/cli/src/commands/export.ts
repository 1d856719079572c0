/**
 * `kdet export --weights DIR --out DIR`: a TensorFlow.js graph model for the browser and Node
 * (`model.json` in tfjs-converter's graph-model format + `group1-shard*.bin` + `kdet.json` with the
 * classes, the input and its preprocessing, the output names and the post-processing defaults), written
 * by `@kdet/detectors` `writeGraphModel` (BatchNorm folded, decoding included: `boxes`, `scores`). The
 * folder is loaded back and run against the trained model before it is reported, so a broken export
 * fails here and not in the browser.
 */
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { numberOption, optionsHelp, parseOptions, type OptionTable } from "../args";
import { startBackend } from "../backend";
import type { Command } from "../command";
import type { GraphExportResult } from "../detectors-api";
import { CliError, UsageError } from "../errors";
import { readModelMeta } from "../model-meta";
import { fmtParams } from "../report-html";
import { RUN_FILES } from "../run-folder";

const OPTIONS = {
  weights: { type: "string", short: "w", arg: "DIR", help: "model folder (runs/<name>/weights)" },
  run: { type: "string", arg: "DIR", help: "a run folder (uses its weights/)" },
  out: { type: "string", short: "o", arg: "DIR", help: "output folder (must not exist or be empty)" },
  size: {
    type: "string",
    arg: "N",
    help: "input size of the graph (default: the model's training size from kdet.json)",
  },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet export (--weights DIR | --run runs/NAME) --out DIR [--size N]

Writes a TensorFlow.js graph model folder (model.json + group1-shard*.bin + kdet.json) that
tf.loadGraphModel loads in the browser or Node: input "images" [N,size,size,3] (RGB, 0..1,
letterboxed), outputs "boxes" [N,A,4] (xyxy input pixels) and "scores" [N,A,C] ready for NMS,
plus the raw per-level head outputs (kdet.json lists them).

Options:
${optionsHelp(OPTIONS)}`;

/** Largest relative difference accepted between the export and the trained model on the check image. */
const TOLERANCE = 1e-3;

/** `kdet export`. */
export const exportCommand: Command = {
  summary: "export a trained model as a TensorFlow.js graph model folder for the browser",
  usage: USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, OPTIONS, USAGE);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    const src = o.weights ?? (o.run ? path.join(o.run, RUN_FILES.weights) : undefined);
    if (!src || !o.out)
      throw new UsageError(`--weights DIR (or --run DIR) and --out DIR are required\n\n${USAGE}`);
    const meta = readModelMeta(src);
    const size = numberOption("size", o.size, { int: true, min: 32, max: 4096 }) ?? meta?.imageSize;
    if (!size) throw new UsageError(`--size is required: ${src} has no kdet.json with the training size`);
    await mkdir(o.out, { recursive: true });
    if ((await readdir(o.out)).length > 0)
      throw new CliError(
        `--out ${o.out}: the folder is not empty; allowed: a new or empty folder (an export never overwrites)`,
      );
    await startBackend(io, "auto");
    const { countParams, loadGraphExport, verifyGraphExport, writeGraphModel } = await import(
      "../detectors-api"
    );
    const { loadModelFolder } = await import("../models");
    const model = await loadModelFolder(src, "--weights");
    try {
      let written: GraphExportResult;
      try {
        written = await writeGraphModel(model, o.out, {
          inputSize: size,
          classNames: meta?.classNames,
          categoryIds: meta?.categoryIds,
          postprocess: meta?.postprocess,
        });
      } catch (e) {
        throw new CliError(`export ${src}: ${(e as Error).message}`);
      }
      const loaded = await loadGraphExport(o.out);
      let worst: [string, number];
      try {
        const diffs = await verifyGraphExport(model, loaded.model, loaded.meta, { seed: 0 });
        worst = Object.entries(diffs).reduce((a, b) => (b[1] > a[1] ? b : a));
      } finally {
        loaded.model.dispose();
      }
      if (!(worst[1] < TOLERANCE))
        throw new CliError(
          `export check failed: output "${worst[0]}" of ${o.out} differs from the trained model by ${worst[1].toExponential(2)} (relative); allowed: < ${TOLERANCE}`,
        );
      const { boxes, scores } = written.meta.outputs;
      io.stdout(
        `exported ${src} -> ${o.out}: TF.js graph model, ${written.files.length} files, ${written.nodes} nodes, ${fmtParams(countParams(model))} parameters, ` +
          `${written.meta.classNames.length} classes, input ${size}x${size}; outputs boxes [${boxes.shape.join(",")}], scores [${scores.shape.join(",")}]; ` +
          `check vs the trained model: max relative difference ${worst[1].toExponential(1)} (${worst[0]})\n`,
      );
      return 0;
    } finally {
      model.dispose();
    }
  },
};
