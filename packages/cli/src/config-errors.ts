/**
 * Turns zod issues of a config into messages a user can act on: the file, the key (dotted path),
 * the bad value and what is allowed — e.g. `train.optimizer.lr: got "fast"; allowed: a number`.
 */
import type { z } from "zod";
import { showValue } from "./errors";
import { didYouMean } from "./suggest";

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

/**
 * Of a union, the object option the input selects: by discriminator, else the one that has every key of the input
 * (e.g. `method` of a preset entry), else the first object option.
 */
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
  if (input && typeof input === "object") {
    const keys = Object.keys(input);
    const fits = objects.find((o) => keys.every((k) => k in (defOf(o).shape ?? {})));
    if (fits) return fits;
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

/** The schema at `path` as declared (a union is returned as the union, not the option the input selects). */
function declaredAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): z.ZodType | undefined {
  if (path.length === 0) return unwrap(schema);
  const parent = schemaAt(schema, path.slice(0, -1), input);
  const d = parent && defOf(parent);
  const k = path[path.length - 1]!;
  const s = d?.type === "object" ? d.shape?.[String(k)] : d?.type === "array" ? d.element : undefined;
  return s && unwrap(s);
}

/**
 * When the object at `path` lacks the discriminator of the union declared there and an option with a
 * discriminator value accepts its keys (`teacher: {weights: …}` without `type`), the missing key and its
 * allowed values; otherwise undefined.
 */
function missingDiscriminator(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  input: unknown,
): { key: string; values: unknown[]; without: string[] } | undefined {
  const u = declaredAt(schema, path, input);
  const d = u && defOf(u);
  const v = valueAt(input, path);
  if (d?.type !== "union" || !d.discriminator || v == null || typeof v !== "object") return undefined;
  const disc = d.discriminator;
  if ((v as Record<string, unknown>)[disc] !== undefined) return undefined;
  const keys = Object.keys(v);
  const values: unknown[] = [];
  const without: string[] = []; // required keys of an option that has no discriminator value
  let fits = false;
  for (const o of (d.options ?? []).map(unwrap)) {
    const od = defOf(o);
    const dd = od.shape?.[disc] && defOf(unwrap(od.shape[disc]!));
    const lit = dd?.type === "undefined" ? [undefined] : dd?.values;
    const named = (lit ?? []).filter((x) => x !== undefined);
    values.push(...named);
    if (lit && named.length === 0)
      for (const [k, f] of Object.entries(od.shape ?? {}))
        if (k !== disc && !["optional", "default"].includes(defOf(f).type)) without.push(k);
    if (named.length && keys.every((k) => k in (od.shape ?? {}))) fits = true;
  }
  return fits ? { key: disc, values, without } : undefined;
}

/**
 * Of an `invalid_union` issue (none of the options matched), the issues of the option the input was meant for:
 * options failing only because the input has another shape (e.g. a list where an object was given) or because
 * the input has keys they do not know (a term's `loss` against a preset entry) are dropped;
 * when exactly one is left, its issues (paths made absolute), else undefined.
 */
function meantOption(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | undefined {
  const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
  const meant = branches.filter(
    (b) =>
      !(b.length === 1 && b[0]!.code === "invalid_type" && b[0]!.path.length === 0) &&
      !b.some((i) => i.code === "unrecognized_keys" && i.path.length === 0), // the input has keys of another option
  );
  if (meant.length !== 1 || meant[0]!.length === 0) return undefined;
  return meant[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue);
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

/** What `issue` allows, in words (with "did you mean" when the bad value `valueAtIssue` is near an allowed one). */
function allowed(issue: z.core.$ZodIssue, valueAtIssue: unknown): string {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case "invalid_type":
      return `${/^[aeiou]/.test(String(i.expected)) ? "an" : "a"} ${String(i.expected)}`;
    case "invalid_value":
      return `one of ${list(i.values as unknown[])}${didYouMean(valueAtIssue, (i.values as unknown[]).map(String))}`;
    case "invalid_union":
      return i.options
        ? `one of ${list(i.options as unknown[])}${didYouMean(valueAtIssue, (i.options as unknown[]).map(String))}`
        : issue.message;
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
  const missing: string[] = []; // objects reported as missing their discriminator: their other issues are noise
  const under = (path: readonly PropertyKey[]) => missing.some((m) => fmtPath(path).startsWith(m));
  for (const issue of issues) {
    const owner = issue.code === "unrecognized_keys" ? issue.path : issue.path.slice(0, -1);
    const m = under(issue.path) ? undefined : missingDiscriminator(schema, owner, input);
    if (m) {
      missing.push(fmtPath(owner));
      const alt = m.without.length ? ` (or no ${m.key}, with ${m.without.join(", ")})` : "";
      out.push(`${fmtPath([...owner, m.key])}: missing; allowed: one of ${list(m.values)}${alt}`);
      continue;
    }
    if (under(issue.path)) continue;
    if (issue.code === "unrecognized_keys") {
      const keys = allowedKeys(schema, issue.path, input);
      for (const k of issue.keys)
        out.push(
          `${fmtPath([...issue.path, k])}: unknown key${keys.length ? `; allowed keys here: ${keys.join(", ")}${didYouMean(k, keys)}` : ""}`,
        );
      continue;
    }
    if (issue.code === "invalid_union" && !(issue as { options?: unknown }).options) {
      const inner = meantOption(issue);
      if (inner) {
        out.push(...formatIssues(schema, inner, input));
        continue;
      }
    }
    const v = valueAt(input, issue.path);
    if (issue.code === "invalid_type" && (issue as { expected?: string }).expected === "never") {
      out.push(`${fmtPath(issue.path)}: got ${showValue(v)}; ${issue.message}`); // a renamed key
      continue;
    }
    if (issue.code === "custom") {
      out.push(`${fmtPath(issue.path)}: ${issue.message}`);
      continue;
    }
    out.push(`${fmtPath(issue.path)}: got ${showValue(v)}; allowed: ${allowed(issue, v)}`);
  }
  return out;
}
