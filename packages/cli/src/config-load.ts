/**
 * Reading an experiment config: a YAML or JSON file, then `--set` overrides, then validation with
 * `ExperimentSchema`. Errors name the file, the key, the bad value and what is allowed. Paths
 * inside the config (dataset files, weights) are relative to the working directory; `${NAME:-default}`
 * in a string reads an environment variable (config-env.ts) and `data.dataset` sets train/val/test at
 * once (data-shorthand.ts).
 */
import { readFileSync } from "node:fs";
import { parseDocument, stringify } from "yaml";
import { ExperimentSchema, type Experiment } from "./config-schema";
import { expandEnv } from "./config-env";
import { formatIssues } from "./config-errors";
import { expandDataShorthand } from "./data-shorthand";
import { CliError } from "./errors";
import { checkSafeKeys } from "./safe-keys";
import { applyOverrides, type SetOverride } from "./set-override";

/**
 * Parses YAML (a superset of JSON) text; syntax errors name the file, line and column. Aliases are
 * capped (an anchor "billion laughs" bomb is an error naming the file) and `__proto__`,
 * `constructor`, `prototype` keys are refused.
 */
export function parseConfigText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = e.linePos?.[0] ? `:${e.linePos[0].line}:${e.linePos[0].col}` : "";
    throw new CliError(`invalid config ${file}${at}: ${e.message.split("\n")[0]}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new CliError(
      `invalid config ${file}: ${(e as Error).message} (YAML aliases expand to too much data; write the values out)`,
    );
  }
  checkSafeKeys(value, `invalid config ${file}`);
  return value;
}

/** Reads and parses a config file (YAML or JSON). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read config ${file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
    );
  }
  return parseConfigText(text, file);
}

/** Validates a config object (after overrides); `source` names it in errors (file and --set). */
export function validateExperiment(input: unknown, source: string): Experiment {
  const expanded = expandDataShorthand(input, source);
  const r = ExperimentSchema.safeParse(expanded);
  if (r.success) return r.data;
  const lines = formatIssues(ExperimentSchema, r.error.issues, expanded);
  throw new CliError(`invalid config ${source}:\n${lines.map((l) => `  ${l}`).join("\n")}`);
}

/** File + overrides → validated experiment, and the merged input (what the user wrote, resolved). */
export function loadExperiment(file: string, overrides: readonly SetOverride[] = []): Experiment {
  const merged = applyOverrides(expandEnv(readConfigFile(file), file), overrides);
  const source = overrides.length
    ? `${file} (with ${overrides.map((o) => `--set ${o.raw}`).join(" ")})`
    : file;
  return validateExperiment(merged, source);
}

/** The resolved config as YAML (what `kdet config print` shows and every run saves). */
export function experimentYaml(c: Experiment): string {
  return stringify(c, { lineWidth: 0 });
}
