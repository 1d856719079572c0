/**
 * `--set a.b=value` overrides: the key is a dotted path (array items by index, `distill.0.weight`
 * or `distill[0].weight`), the value is read as YAML (`5`, `true`, `cwd`, `[1, 2]`,
 * `{type: coco, annotationFile: a.json}`); `null` removes the key. Applied to the parsed config
 * before validation, in the order given.
 */
import { parse as parseYaml } from "yaml";
import { CliError, showValue } from "./errors";
import { checkSafeKeys, UNSAFE_KEYS } from "./safe-keys";

/** One parsed override. */
export interface SetOverride {
  path: Array<string | number>;
  value: unknown;
  /** The argument as given (for messages). */
  raw: string;
}

/** Parses `a.b[0].c=value` into a path and a YAML value; throws a CliError naming the bad argument. */
export function parseSetArg(arg: string): SetOverride {
  const eq = arg.indexOf("=");
  if (eq <= 0)
    throw new CliError(`--set ${showValue(arg)}: expected key=value, e.g. --set train.epochs=5`, 2);
  const key = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1);
  const path: Array<string | number> = [];
  for (const part of key.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (part === "")
      throw new CliError(
        `--set ${showValue(arg)}: empty segment in key "${key}"; allowed: names separated by dots, e.g. data.batchSize`,
        2,
      );
    path.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  checkPath(path, arg);
  let value: unknown;
  try {
    value = text.trim() === "" ? "" : parseYaml(text);
  } catch (e) {
    throw new CliError(
      `--set ${showValue(arg)}: the value is not valid YAML (${(e as Error).message.split("\n")[0]})`,
      2,
    );
  }
  checkSafeKeys(value, `--set ${showValue(arg)}`);
  return { path, value, raw: arg };
}

function checkPath(path: ReadonlyArray<string | number>, raw: string): void {
  const bad = path.find((k) => typeof k === "string" && UNSAFE_KEYS.has(k));
  if (bad !== undefined)
    throw new CliError(
      `--set ${showValue(raw)}: key segment "${bad}" is not allowed (${[...UNSAFE_KEYS].join(", ")} are refused)`,
      2,
    );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Returns a copy of `config` with every override applied (intermediate objects are created;
 * `null` deletes). Setting inside a value that is not an object or list throws, naming the key;
 * `__proto__`, `constructor` and `prototype` are refused as path segments and as keys of values.
 */
export function applyOverrides(config: unknown, overrides: readonly SetOverride[]): Record<string, unknown> {
  const root: Record<string, unknown> = isObject(config) ? structuredClone(config) : {};
  for (const o of overrides) {
    checkPath(o.path, o.raw);
    checkSafeKeys(o.value, `--set ${showValue(o.raw)}`);
    let cur: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < o.path.length; i++) {
      const k = o.path[i]!;
      const last = i === o.path.length - 1;
      const where = o.path.slice(0, i).join(".") || "the config";
      if (Array.isArray(cur)) {
        if (typeof k !== "number" || k > cur.length)
          throw new CliError(
            `--set ${o.raw}: ${where} is a list of ${cur.length}; allowed: an index 0..${cur.length}`,
            2,
          );
      } else if (typeof k === "number" && !(String(k) in cur)) {
        throw new CliError(`--set ${o.raw}: ${where} is an object, not a list; use a key name`, 2);
      }
      const c = cur as Record<string | number, unknown>;
      if (last) {
        if (o.value === null) {
          if (Array.isArray(cur)) cur.splice(k as number, 1);
          else delete c[k];
        } else c[k] = o.value;
        break;
      }
      const next = c[k];
      if (next === undefined) c[k] = typeof o.path[i + 1] === "number" ? [] : {};
      else if (!isObject(next) && !Array.isArray(next))
        throw new CliError(
          `--set ${o.raw}: ${o.path.slice(0, i + 1).join(".")} is ${showValue(next)}, not an object; cannot set a key inside it`,
          2,
        );
      cur = c[k] as Record<string, unknown> | unknown[];
    }
  }
  return root;
}
