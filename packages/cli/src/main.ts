/**
 * The `kdet` command line: a typed const table of commands (two-word names for the `config` and
 * `data` groups), dispatch, and error handling — a CliError prints its message and exits with its
 * status, without a stack trace (`KDET_DEBUG=1` shows one); anything else is an internal error.
 */
import type { CliIo } from "./cli-io";
import type { Command } from "./command";
import { cacheBuildCommand } from "./commands/cache";
import { compareCommand } from "./commands/compare";
import { configPrintCommand, configSchemaCommand } from "./commands/config";
import { dataInspectCommand } from "./commands/data";
import { demoCommand } from "./commands/demo";
import { evalCommand } from "./commands/eval";
import { exportCommand } from "./commands/export";
import { importCommand } from "./commands/import";
import { predictCommand } from "./commands/predict";
import { methodsCommand, modelsCommand } from "./commands/registry-lists";
import { distillCommand, trainCommand } from "./commands/train";
import { zooCommand } from "./commands/zoo";
import { asCliError, EXIT_CODES } from "./errors";
import { didYouMean } from "./suggest";

/** The package version (`kdet --version`). */
export const VERSION = "0.1.0";

/**
 * Every command, by the words that invoke it. Command modules import TensorFlow.js and the models only
 * inside `run`, so `--help`, `kdet config …` and the usage errors never load them.
 */
export const COMMANDS = {
  demo: demoCommand,
  zoo: zooCommand,
  train: trainCommand,
  distill: distillCommand,
  eval: evalCommand,
  predict: predictCommand,
  export: exportCommand,
  import: importCommand,
  "cache build": cacheBuildCommand,
  "config print": configPrintCommand,
  "config schema": configSchemaCommand,
  "data inspect": dataInspectCommand,
  models: modelsCommand,
  methods: methodsCommand,
  compare: compareCommand,
} as const satisfies Record<string, Command>;

/** A command's name. */
export type CommandName = keyof typeof COMMANDS;

/** `kdet --help`. */
export function mainUsage(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  const w = Math.max(...names.map((n) => n.length));
  return `Usage: kdet <command> [options]    (kdet <command> --help for its options)

Knowledge distillation of object detectors on TensorFlow.js.

Commands:
${names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n].summary}`).join("\n")}

Start with: kdet demo    (synthetic data, teacher + student + distilled student, a results table)

Exit status: 0 ok, 1 bad input or failed run (the error names the file and value), 2 bad usage,
70 internal error (a bug; KDET_DEBUG=1 prints the stack), 130 interrupted by Ctrl-C (resume with --resume).
`;
}

/** The usage of a command group (`kdet config --help`): its subcommands and their summaries. */
export function groupUsage(group: string): string {
  const names = (Object.keys(COMMANDS) as CommandName[]).filter((n) => n.startsWith(`${group} `));
  const w = Math.max(...names.map((n) => n.length));
  return `Usage: kdet ${group} <subcommand> [options]    (kdet ${group} <subcommand> --help for its options)

Subcommands:
${names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n].summary}`).join("\n")}
`;
}

const isHelp = (a: string | undefined) => a === "--help" || a === "-h" || a === "help";

/** Finds the command for `argv` (one or two words); returns it and the remaining arguments. */
export function findCommand(argv: readonly string[]): { name: CommandName; rest: string[] } | undefined {
  const two = `${argv[0]} ${argv[1]}`;
  if (two in COMMANDS) return { name: two as CommandName, rest: argv.slice(2) };
  if (argv[0] !== undefined && argv[0] in COMMANDS)
    return { name: argv[0] as CommandName, rest: argv.slice(1) };
  return undefined;
}

/** Runs the command line `argv` (without node and script); returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === "help" && argv.length > 1) return main([...argv.slice(1), "--help"], io);
  if (argv.length === 0 || isHelp(argv[0])) {
    io.stdout(mainUsage());
    return 0;
  }
  if (argv[0] === "--version") {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const names = Object.keys(COMMANDS);
    const group = names.filter((n) => n.startsWith(`${argv[0]} `));
    if (group.length && (argv.length === 1 || isHelp(argv[1]))) {
      (argv.length === 1 ? io.stderr : io.stdout)(groupUsage(argv[0]!));
      return argv.length === 1 ? 2 : 0;
    }
    const typed = argv.slice(0, group.length ? 2 : 1).join(" ");
    const firstWords = [...new Set(names.map((n) => n.split(" ")[0]!))];
    const hint = group.length
      ? `; "${argv[0]}" needs one of: ${group.join(", ")}${didYouMean(typed, group)}`
      : `; allowed: ${firstWords.join(", ")}${didYouMean(typed, [...new Set([...names, ...firstWords])])}`;
    io.stderr(`kdet: unknown command "${typed}"${hint}\n`);
    return 2;
  }
  try {
    return await COMMANDS[found.name].run(found.rest, io);
  } catch (e) {
    const user = asCliError(e);
    if (user) {
      io.stderr(`kdet ${found.name}: error: ${user.message}\n`);
      if (process.env.KDET_DEBUG) io.stderr(`${user.stack}\n`);
      return user.exitCode;
    }
    const err = e as Error;
    io.stderr(
      `kdet ${found.name}: internal error: ${err?.message ?? String(e)}\n${process.env.KDET_DEBUG ? `${err?.stack}\n` : "(set KDET_DEBUG=1 for the stack trace)\n"}`,
    );
    return EXIT_CODES.internal;
  }
}
