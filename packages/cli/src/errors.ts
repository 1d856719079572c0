/**
 * Errors the CLI reports to the user: a message (naming the file, key, bad value and what is
 * allowed) and an exit status; printed without a stack trace (set `KDET_DEBUG=1` to see one).
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit status: 1 bad input or failed run, 2 bad usage, 130 interrupted (Ctrl-C). */
    readonly exitCode: 1 | 2 | 130 = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A command-line usage error (exit status 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** Short, readable rendering of a value for error messages (JSON, truncated). */
export function showValue(v: unknown): string {
  if (v === undefined) return "nothing (the key is missing)";
  let s: string;
  try {
    s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
