/**
 * `kdet export --weights DIR --out DIR`: a model folder for the browser — TensorFlow.js weights
 * (`model.json` with the weights manifest and the registry spec, binary shards) plus `kdet.json`
 * (classes, input size, post-processing). The folder is loaded back before it is reported, so a
 * broken export fails here and not in the browser.
 */
import { copyFile, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import { startBackend } from "../backend";
import type { Command } from "../command";
import { CliError, UsageError } from "../errors";
import { META_FILE, readModelMeta } from "../model-meta";
import { countParams, loadModelFolder } from "../models";
import { fmtParams } from "../report-html";
import { RUN_FILES } from "../run-folder";

const OPTIONS = {
  weights: { type: "string", short: "w", arg: "DIR", help: "model folder (runs/<name>/weights)" },
  run: { type: "string", arg: "DIR", help: "a run folder (uses its weights/)" },
  out: { type: "string", short: "o", arg: "DIR", help: "output folder (must not exist or be empty)" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet export (--weights DIR | --run runs/NAME) --out DIR

Writes a TensorFlow.js model folder (model.json + group1-shard*.bin + kdet.json) that
@kdet/detectors loads in Node or the browser.

Options:
${optionsHelp(OPTIONS)}`;

/** `kdet export`. */
export const exportCommand: Command = {
  summary: "export a trained model as a TensorFlow.js model folder for the browser",
  usage: USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, OPTIONS, USAGE);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    const src = o.weights ?? (o.run ? path.join(o.run, RUN_FILES.weights) : undefined);
    if (!src || !o.out) throw new UsageError(`--weights DIR (or --run DIR) and --out DIR are required\n\n${USAGE}`);
    const meta = readModelMeta(src);
    const files = (await readdir(src)).filter((f) => f === "model.json" || f === META_FILE || /^group\d+-shard\d+of\d+\.bin$/.test(f));
    await mkdir(o.out, { recursive: true });
    const existing = await readdir(o.out);
    if (existing.length > 0) throw new CliError(`--out ${o.out}: the folder is not empty; allowed: a new or empty folder (an export never overwrites)`);
    for (const f of files) await copyFile(path.join(src, f), path.join(o.out, f));
    await startBackend(io, "auto");
    const model = await loadModelFolder(o.out, "--out");
    const n = countParams(model);
    model.dispose();
    io.stdout(`exported ${src} -> ${o.out}: ${files.length} files, ${fmtParams(n)} parameters${meta ? `, ${meta.classNames.length} classes, input ${meta.imageSize}x${meta.imageSize}` : ""}\n`);
    return 0;
  },
};
