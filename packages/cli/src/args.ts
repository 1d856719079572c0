/**
 * Command-line option parsing on `node:util` parseArgs: each command declares its options as a
 * typed const table; unknown options, missing values and stray arguments are usage errors
 * (exit status 2) that name the option and show the command's usage.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors";
import { didYouMean } from "./suggest";

/** Options of one command (parseArgs format, plus a help text per option). */
export type OptionTable = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; help: string; arg?: string }
>;

/** Parsed values of an option table. */
export type ParsedOptions<T extends OptionTable> = {
  [K in keyof T]?: T[K]["type"] extends "boolean"
    ? T[K]["multiple"] extends true
      ? boolean[]
      : boolean
    : T[K]["multiple"] extends true
      ? string[]
      : string;
};

/** Parses `argv` against `table`; `positionals` is the allowed number range. */
export function parseOptions<T extends OptionTable>(
  argv: readonly string[],
  table: T,
  usage: string,
  positionals: [number, number] = [0, 0],
): { values: ParsedOptions<T>; positionals: string[] } {
  const options: ParseArgsConfig["options"] = {};
  for (const [k, o] of Object.entries(table))
    options[k] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      allowPositionals: positionals[1] > 0,
      strict: true,
    }) as typeof parsed;
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(msg)?.[1];
    const hint = unknown
      ? didYouMean(
          unknown,
          Object.keys(table).map((k) => `--${k}`),
        )
      : "";
    throw new UsageError(`${msg}${hint}\n\n${usage}`);
  }
  const n = parsed.positionals.length;
  // `--help` answers whatever else is (not) given
  if (n < positionals[0] || n > positionals[1]) {
    if (parsed.values.help === true) return { values: parsed.values as ParsedOptions<T>, positionals: [] };
    const want =
      positionals[0] === positionals[1] ? `${positionals[0]}` : `${positionals[0]} to ${positionals[1]}`;
    throw new UsageError(
      `expected ${want} argument(s), got ${n}${n ? `: ${parsed.positionals.join(" ")}` : ""}\n\n${usage}`,
    );
  }
  return { values: parsed.values as ParsedOptions<T>, positionals: parsed.positionals };
}

/** The options part of a usage text, one line per option. */
export function optionsHelp(table: OptionTable): string {
  const rows = Object.entries(table).map(
    ([k, o]) =>
      [
        `${o.short ? `-${o.short}, ` : "    "}--${k}${o.type === "string" ? ` ${o.arg ?? "VALUE"}` : ""}`,
        o.help,
      ] as const,
  );
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`).join("\n");
}

/** Parses a number option (`--threads 2`), naming the option and what is allowed on error. */
export function numberOption(
  name: string,
  raw: string | undefined,
  opts: { int?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const ok =
    raw.trim() !== "" &&
    Number.isFinite(v) &&
    (!opts.int || Number.isInteger(v)) &&
    (opts.min === undefined || v >= opts.min) &&
    (opts.max === undefined || v <= opts.max);
  if (!ok)
    throw new UsageError(
      `--${name}: got "${raw}"; allowed: ${opts.int ? "an integer" : "a number"}${opts.min !== undefined ? ` >= ${opts.min}` : ""}${opts.max !== undefined ? ` <= ${opts.max}` : ""}`,
    );
  return v;
}
