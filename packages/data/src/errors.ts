/**
 * Errors and problem reports of `@kdet/data`. A `DataError` names the operation, the file, the entry and field,
 * the bad value and what is allowed; a `ProblemLog` collects counted, reported skips (or throws them in strict mode).
 */
import type { z } from "zod";
import type { LoadReport, Problem } from "./types";

/** Where an error happened and what was wrong. */
export interface DataErrorInfo {
  op: string;
  file?: string;
  entry?: string | number;
  field?: string;
  value?: unknown;
  allowed?: string;
}

/** Render a value short enough for an error message. */
export function showValue(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** An error about data or configuration, with a message naming the operation, file, entry, field and value. */
export class DataError extends Error {
  readonly info: DataErrorInfo;
  constructor(info: DataErrorInfo, detail: string, options?: { cause?: unknown }) {
    const where = [
      info.file !== undefined ? info.file : undefined,
      info.entry !== undefined ? `entry ${info.entry}` : undefined,
      info.field !== undefined ? `field "${info.field}"` : undefined,
    ].filter((x) => x !== undefined);
    const got = "value" in info ? `; got ${showValue(info.value)}` : "";
    const allowed = info.allowed !== undefined ? `; allowed: ${info.allowed}` : "";
    super(`${info.op}: ${where.length ? `${where.join(", ")}: ` : ""}${detail}${got}${allowed}`, options);
    this.name = "DataError";
    this.info = info;
  }
}

/** Format the first issues of a zod error as `path: message` lines. */
export function formatZodIssues(error: z.ZodError, max = 5): string {
  const lines = error.issues
    .slice(0, max)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  if (error.issues.length > max) lines.push(`... ${error.issues.length - max} more`);
  return lines.join("; ");
}

/** Validate `value` with `schema`, throwing a `DataError` that names the operation and file on failure. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, op: string, file?: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new DataError(
      { op, file, field: first?.path.join(".") || undefined },
      `invalid ${file ? "content" : "config"}: ${formatZodIssues(r.error)}`,
    );
  }
  return r.data;
}

/**
 * Report every class name that appears more than once in `names` (two class indices that print and evaluate
 * under one name) as a `duplicate-class-name` note in `log`; `entry(i)` names the i-th entry.
 */
export function noteDuplicateNames(
  names: readonly string[],
  log: ProblemLog,
  file: string,
  entry: (i: number) => string,
): void {
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    const j = first.get(n);
    if (j === undefined) first.set(n, i);
    else
      log.add({
        file,
        entry: entry(i),
        value: n,
        kind: "duplicate-class-name",
        message: `class name also used by ${entry(j)}; the two classes stay separate but look the same in reports`,
        action: "note",
      });
  });
}

/**
 * Collects problems while loading. Non-strict: each problem is recorded and counted (the loader skips or clips as
 * documented). Strict: the first problem throws a `DataError` instead (notes — information such as a requested
 * category filter — are recorded in both modes).
 */
export class ProblemLog {
  readonly problems: Problem[] = [];
  constructor(
    readonly op: string,
    readonly strict = false,
  ) {}

  /** Record a problem (or throw it when strict). */
  add(p: Problem): void {
    if (this.strict && p.action !== "note") {
      throw new DataError(
        {
          op: this.op,
          file: p.file,
          entry: p.entry,
          field: p.field,
          ...("value" in p ? { value: p.value } : {}),
        },
        `${p.kind}: ${p.message} (strict mode; without strict this would be: ${p.action})`,
      );
    }
    this.problems.push(p);
  }

  /** The counted report. */
  report(): LoadReport {
    const count = (a: Problem["action"]): number => this.problems.filter((p) => p.action === a).length;
    return {
      problems: this.problems,
      skippedImages: count("skipped-image"),
      skippedBoxes: count("skipped-box"),
      clippedBoxes: count("clipped-box"),
      skippedEntries: count("skipped-entry"),
    };
  }
}
