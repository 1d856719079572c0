/**
 * `kdet config print CONFIG [--set k=v ...]`: the fully resolved config as YAML (environment variables replaced,
 * method presets expanded into their terms where the models are described statically, defaults filled in), under
 * a comment naming the source file. `kdet config schema [--out FILE [--force]]`: the JSON Schema of config files
 * (for editor completion, e.g. `# yaml-language-server: $schema=kdet.schema.json` at the top of a YAML config).
 * Neither loads TensorFlow.js.
 */
import { existsSync } from "node:fs";
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import type { Command } from "../command";
import { CliError, UsageError } from "../errors";
import { parseSetArg } from "../set-override";

const PRINT_OPTIONS = {
  config: { type: "string", short: "c", arg: "FILE", help: "experiment config (or give it as the argument)" },
  set: { type: "string", multiple: true, arg: "KEY=VALUE", help: "override a config key (repeatable)" },
  json: { type: "boolean", help: "print JSON instead of YAML" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const PRINT_USAGE = `Usage: kdet config print CONFIG [--set key=value ...] [--json]

Prints the fully resolved config after validation: \${VAR} environment references replaced, overrides
applied, method presets ({method: ID}) expanded into their terms, every default filled in. The output is a
valid config that loads to the same experiment. Exits 1 naming the key, the bad value and what is allowed
when the config is invalid.

Options:
${optionsHelp(PRINT_OPTIONS)}`;

/** `kdet config print`. */
export const configPrintCommand: Command = {
  summary: "print the resolved, validated config",
  usage: PRINT_USAGE,
  async run(argv, io) {
    const { values: o, positionals } = parseOptions(argv, PRINT_OPTIONS, PRINT_USAGE, [0, 1]);
    if (o.help) return (io.stdout(`${PRINT_USAGE}\n`), 0);
    if (positionals[0] && o.config)
      throw new UsageError(`give the config once: as the argument or with --config\n\n${PRINT_USAGE}`);
    const file = positionals[0] ?? o.config;
    if (!file) throw new UsageError(`the config file is required\n\n${PRINT_USAGE}`);
    const { resolvedConfigText } = await import("../config-print");
    io.stdout(resolvedConfigText(file, (o.set ?? []).map(parseSetArg), o.json ? "json" : "yaml"));
    return 0;
  },
};

const SCHEMA_OPTIONS = {
  out: { type: "string", short: "o", arg: "FILE", help: "write to FILE instead of stdout" },
  force: { type: "boolean", short: "f", help: "replace FILE when it exists" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const SCHEMA_USAGE = `Usage: kdet config schema [--out FILE [--force]]

Writes the JSON Schema (draft 2020-12) of kdet config files, generated from the zod schema, to stdout or
FILE (an existing FILE is replaced only with --force).

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
    if (o.force && !o.out) throw new UsageError(`--force needs --out FILE\n\n${SCHEMA_USAGE}`);
    if (o.out) {
      if (!o.force && existsSync(o.out))
        throw new CliError(
          `--out ${o.out}: the file exists; allowed: another file name, or --force to replace it`,
        );
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
