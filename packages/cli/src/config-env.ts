/**
 * Environment variables in config files: every string value may hold `${NAME}` or `${NAME:-default}` (as in a
 * shell), replaced when the file is read — e.g. `root: ${KDET_DATASETS:-../shared/datasets}/bccd` keeps a
 * shipped config free of machine paths. The saved `config.yaml` of a run holds the replaced values.
 */
import { CliError } from "./errors";

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * A copy of `value` with `${NAME}` / `${NAME:-default}` replaced in every string (keys are left alone);
 * an unset variable without a default is an error naming the file, the key and the variable.
 */
export function expandEnv(
  value: unknown,
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  key = "",
): unknown {
  if (typeof value === "string")
    return value.replace(REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      throw new CliError(
        `invalid config ${file}: ${key || "<top level>"}: environment variable ${name} is not set; allowed: set it, or give a default as \${${name}:-value}`,
      );
    });
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, file, env, `${key}[${i}]`));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, file, env, key ? `${key}.${k}` : k)]),
    );
  return value;
}
