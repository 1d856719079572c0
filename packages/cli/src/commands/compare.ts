/**
 * `kdet compare RUN...`: finished run folders compared by the experiment protocol — grouped by configuration,
 * paired with the baseline by seed, mean ± std, gain and verdict (run-compare.ts). Reads no model, loads no
 * TensorFlow.js.
 */
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import type { Command } from "../command";
import { compareRuns, comparisonText, readRun } from "../run-compare";

const OPTIONS = {
  baseline: {
    type: "string",
    arg: "NAME|RUN",
    help: "the baseline configuration: its name or one of its run folders (default: the runs without distill terms)",
  },
  json: { type: "boolean", help: "print the comparison as JSON" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet compare [--baseline NAME|RUN] RUN RUN ...

Compares finished runs (kdet train / kdet distill folders) by kdet's protocol: runs whose configs differ
only in model.seed / data.seed are one configuration; each configuration is paired with the baseline seed
by seed; prints mAP and AP50 (points, mean ± sample std over seeds), the gain over the baseline (mean of
per-seed differences) and the verdict (a real gain only when the mean gain exceeds both standard deviations).
  kdet train   --config c/yolov8n-bccd.yaml --set model.seed=2 --set data.seed=2 --name base-s2
  kdet distill --config c/cwd-yolov8s-to-n-bccd.yaml --set model.seed=2 --set data.seed=2 --name cwd-s2
  kdet compare runs/base-s* runs/cwd-s*

Options:
${optionsHelp(OPTIONS)}`;

/** `kdet compare`. */
export const compareCommand: Command = {
  summary: "compare finished runs: paired by seed, gain over the baseline and the protocol's verdict",
  usage: USAGE,
  async run(argv, io) {
    const { values: o, positionals } = parseOptions(argv, OPTIONS, USAGE, [0, 10_000]);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    const c = compareRuns(positionals.map(readRun), o.baseline);
    io.stdout(o.json ? `${JSON.stringify(c, null, 2)}\n` : comparisonText(c));
    return 0;
  },
};
