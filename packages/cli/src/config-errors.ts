/**
 * Turns zod issues of a config into messages a user can act on: the file, the key (dotted path),
 * the bad value and what is allowed — e.g. `train.optimizer.lr: got "fast"; allowed: a number`.
 */
import type { z } from "zod";
import { showValue } from "./errors";

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
};
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The value at `path` in `input` (undefined when absent). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v == null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Unwraps optional/default/nullable/pipe wrappers down to the schema that holds the data. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const d = defOf(cur);
    const next = d.innerType ?? (d.type === "pipe" ? d.in : undefined);
    if (!next) return cur;
    cur = next;
  }
  return cur;
}

/** Of a union, the object option the input selects (by discriminator, else the first object option). */
function pickOption(d: Def, input: unknown): z.ZodType | undefined {
  const objects = (d.options ?? []).map(unwrap).filter((o) => defOf(o).type === "object");
  if (d.discriminator && input && typeof input === "object") {
    const want = (input as Record<string, unknown>)[d.discriminator];
    const hit = objects.find((o) => {
      const lit = defOf(unwrap(defOf(o).shape![d.discriminator!]!));
      return lit.values?.includes(want);
    });
    if (hit) return hit;
  }
  return objects[0];
}

/** The sub-schema at `path` (following the input through unions and arrays), if it can be found. */
export function schemaAt(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  input: unknown,
): z.ZodType | undefined {
  let s: z.ZodType | undefined = unwrap(schema);
  let v = input;
  for (const k of path) {
    if (!s) return undefined;
    let d = defOf(s);
    if (d.type === "union") {
      s = pickOption(d, v);
      if (!s) return undefined;
      d = defOf(s);
    }
    if (d.type === "object") s = d.shape?.[String(k)];
    else if (d.type === "array") s = d.element;
    else return undefined;
    s = s && unwrap(s);
    v = v != null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  }
  if (s && defOf(s).type === "union") return pickOption(defOf(s), v) ?? s;
  return s;
}

/** Keys an object at `path` accepts (empty when unknown). */
export function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  const s = schemaAt(schema, path, input);
  const d = s && defOf(s);
  return d?.type === "object" ? Object.keys(d.shape ?? {}) : [];
}

const fmtPath = (path: readonly PropertyKey[]) =>
  path.length
    ? path
        .map((k) => (typeof k === "number" ? `[${k}]` : String(k)))
        .join(".")
        .replace(/\.\[/g, "[")
    : "<top level>";
const list = (vs: readonly unknown[]) => vs.map((v) => showValue(v)).join(", ");

/** What `issue` allows, in words. */
function allowed(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case "invalid_type":
      return `${/^[aeiou]/.test(String(i.expected)) ? "an" : "a"} ${String(i.expected)}`;
    case "invalid_value":
      return `one of ${list(i.values as unknown[])}`;
    case "invalid_union":
      return i.options ? `one of ${list(i.options as unknown[])}` : issue.message;
    case "too_small":
    case "too_big": {
      const op = issue.code === "too_small" ? (i.inclusive ? ">=" : ">") : i.inclusive ? "<=" : "<";
      const what = i.origin === "array" ? " items" : i.origin === "string" ? " characters" : "";
      return `${op} ${String(i[issue.code === "too_small" ? "minimum" : "maximum"])}${what}`;
    }
    case "not_multiple_of":
      return `a multiple of ${String(i.divisor)}`;
    default:
      return issue.message;
  }
}

/** One line per issue: `key: got <value>; allowed: <what>` (unknown keys list the accepted ones). */
export function formatIssues(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const keys = allowedKeys(schema, issue.path, input);
      for (const k of issue.keys)
        out.push(
          `${fmtPath([...issue.path, k])}: unknown key${keys.length ? `; allowed keys here: ${keys.join(", ")}` : ""}`,
        );
      continue;
    }
    const v = valueAt(input, issue.path);
    if (issue.code === "custom") {
      out.push(`${fmtPath(issue.path)}: ${issue.message}`);
      continue;
    }
    out.push(`${fmtPath(issue.path)}: got ${showValue(v)}; allowed: ${allowed(issue)}`);
  }
  return out;
}
