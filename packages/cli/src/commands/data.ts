/**
 * `kdet data inspect`: loads a dataset split (from an experiment config or an inline split config)
 * and prints `@kdet/data`'s inspection: images, boxes per class, sizes, and every problem the
 * loader reported.
 */
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import type { Command } from "../command";
import { formatIssues } from "../config-errors";
import type { DatasetSplit, Experiment } from "../config-schema";
import { CliError, UsageError } from "../errors";
import { parseSetArg } from "../set-override";

const OPTIONS = {
  config: { type: "string", short: "c", arg: "FILE", help: "experiment config; inspects its --split" },
  split: { type: "string", arg: "NAME", help: "train, val or test (default train)" },
  set: { type: "string", multiple: true, arg: "KEY=VALUE", help: "override a config key (repeatable)" },
  data: {
    type: "string",
    arg: "YAML",
    help: "a split config instead of --config, e.g. '{type: yolo, dataYaml: coco128/data.yaml, split: train}'",
  },
  decode: { type: "boolean", help: "also decode every image (finds truncated files)" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet data inspect --config FILE [--split train|val|test] [--decode]
       kdet data inspect --data '{type: coco, annotationFile: ann.json, imageDir: images}'

Loads the split and prints images, boxes per class, box sizes and the loader's problem report.

Options:
${optionsHelp(OPTIONS)}`;

/** The split config from --data (validated) or from --config/--split. */
async function splitConfig(o: { config?: string; split?: string; set?: string[]; data?: string }): Promise<{
  cfg: DatasetSplit;
  name: string;
  /** The experiment's data.semi when the train split is inspected (both parts are reported). */
  semi?: Experiment["data"]["semi"];
}> {
  const { loadExperiment, parseConfigText } = await import("../config-load");
  const { DatasetSchema } = await import("../config-schema");
  if (o.data !== undefined) {
    const raw = parseConfigText(o.data, "--data");
    const r = DatasetSchema.safeParse(raw);
    if (!r.success)
      throw new CliError(
        `invalid --data:\n${formatIssues(DatasetSchema, r.error.issues, raw)
          .map((l) => `  ${l}`)
          .join("\n")}`,
      );
    return { cfg: r.data, name: "data" };
  }
  if (!o.config) throw new UsageError(`--config FILE or --data YAML is required\n\n${USAGE}`);
  const split = o.split ?? "train";
  if (!["train", "val", "test"].includes(split))
    throw new UsageError(`--split: got "${split}"; allowed: train, val, test`);
  const exp = loadExperiment(o.config, (o.set ?? []).map(parseSetArg));
  const cfg = exp.data[split as "train" | "val" | "test"];
  if (!cfg)
    throw new CliError(
      `${o.config}: data.${split} is not configured; allowed: a configured split (${["train", "val", "test"].filter((s) => exp.data[s as "train"]).join(", ")})`,
    );
  return { cfg, name: split, ...(split === "train" && exp.data.semi ? { semi: exp.data.semi } : {}) };
}

/** `kdet data inspect`. */
export const dataInspectCommand: Command = {
  summary: "inspect a dataset split (classes, boxes, sizes, problems)",
  usage: USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, OPTIONS, USAGE);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    const { cfg, name, semi } = await splitConfig(o);
    const { formatInspection, inspectDataset } = await import("@kdet/data");
    const { loadSplit, loadTrainSplit } = await import("../datasets");
    const ds = semi ? await loadTrainSplit({ train: cfg, semi }) : await loadSplit(cfg, name);
    io.stdout(`${formatInspection(await inspectDataset(ds, { decode: o.decode ?? false }))}\n`);
    return 0;
  },
};
