/**
 * Input errors. Every message names the operation, the source (file name or "<results>"), and where it applies
 * the entry index and the field, then what was expected and the bad value, e.g.
 * `loading results from dt.json: results[17].score: expected a finite number >= 0, got NaN`.
 */
export class EvalInputError extends Error {
  override readonly name = "EvalInputError";
  constructor(
    /** What is wrong: what was expected and what was found. */
    readonly detail: string,
    /** The file (or a label such as "<ground truth>") the error is about. */
    readonly source: string,
    /** The JSON path inside the source, e.g. `annotations[12].area`, or "" for the whole file. */
    readonly path = "",
    /** The operation, e.g. "loading results from". */
    readonly operation = "",
  ) {
    super(`${operation ? `${operation} ` : ""}${source}: ${path ? `${path}: ` : ""}${detail}`);
  }

  /** The same error, attributed to an operation (kept if one is already set). */
  withOperation(operation: string): EvalInputError {
    return this.operation ? this : new EvalInputError(this.detail, this.source, this.path, operation);
  }
}

/** A short, printable description of a JSON value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing (field missing)";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (typeof v === "string") {
    if (v === NAN_TOKEN) return "NaN";
    if (v === INF_TOKEN) return "Infinity";
    if (v === NEG_INF_TOKEN) return "-Infinity";
    return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  }
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "object") return "an object";
  return typeof v;
}

/** Placeholder for the bare NaN token Python's json module writes (see json.ts). */
export const NAN_TOKEN = "\u0000NaN";
/** Placeholder for a bare Infinity token. */
export const INF_TOKEN = "\u0000Infinity";
/** Placeholder for a bare -Infinity token. */
export const NEG_INF_TOKEN = "\u0000-Infinity";
