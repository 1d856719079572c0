/**
 * `kdet config print --config FILE [--set k=v ...]`: the resolved, validated config as YAML.
 * `kdet config schema [--out FILE]`: the JSON Schema of config files (for editor completion, e.g.
 * `# yaml-language-server: $schema=kdet.schema.json` at the top of a YAML config).
 */
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import type { Command } from "../command";
import { CliError, UsageError } from "../errors";
import { parseSetArg } from "../set-override";

const PRINT_OPTIONS = {
  config: { type: "string", short: "c", arg: "FILE", help: "experiment config, YAML or JSON" },
  set: { type: "string", multiple: true, arg: "KEY=VALUE", help: "override a config key (repeatable)" },
  json: { type: "boolean", help: "print JSON instead of YAML" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const PRINT_USAGE = `Usage: kdet config print --config FILE [--set key=value ...] [--json]

Prints the resolved config (defaults filled in, overrides applied) after validation; exits 1 naming
the key, the bad value and what is allowed when it is invalid.

Options:
${optionsHelp(PRINT_OPTIONS)}`;

/** `kdet config print`. */
export const configPrintCommand: Command = {
  summary: "print the resolved, validated config",
  usage: PRINT_USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, PRINT_OPTIONS, PRINT_USAGE);
    if (o.help) return (io.stdout(`${PRINT_USAGE}\n`), 0);
    if (!o.config) throw new UsageError(`--config FILE is required\n\n${PRINT_USAGE}`);
    const { experimentYaml, loadExperiment } = await import("../config-load");
    const exp = loadExperiment(o.config, (o.set ?? []).map(parseSetArg));
    io.stdout(o.json ? `${JSON.stringify(exp, null, 2)}\n` : experimentYaml(exp));
    return 0;
  },
};

const SCHEMA_OPTIONS = {
  out: { type: "string", short: "o", arg: "FILE", help: "write to FILE instead of stdout" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const SCHEMA_USAGE = `Usage: kdet config schema [--out FILE]

Writes the JSON Schema (draft 2020-12) of kdet config files, generated from the zod schema.

Options:
${optionsHelp(SCHEMA_OPTIONS)}`;

/** `kdet config schema`. */
export const configSchemaCommand: Command = {
  summary: "write the JSON Schema of config files",
  usage: SCHEMA_USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, SCHEMA_OPTIONS, SCHEMA_USAGE);
    if (o.help) return (io.stdout(`${SCHEMA_USAGE}\n`), 0);
    const { experimentJsonSchema } = await import("../config-schema");
    const text = `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
    if (o.out) {
      const { writeRunFile } = await import("../run-folder");
      await writeRunFile(o.out, text).catch((e: NodeJS.ErrnoException) => {
        const why =
          e.code === "ENOENT" || e.code === "ENOTDIR"
            ? "its folder does not exist"
            : e.code === "EISDIR"
              ? "it is a folder"
              : e.code === "EACCES" || e.code === "EPERM"
                ? "permission denied"
                : e.message;
        throw new CliError(`--out ${o.out}: cannot write the schema: ${why}`);
      });
      io.stderr(`wrote ${o.out}\n`);
    } else io.stdout(text);
    return 0;
  },
};
