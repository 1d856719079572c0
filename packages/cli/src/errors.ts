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

/**
 * The exit statuses of `kdet` (documented in `kdet --help` and the README): 0 success, 1 bad input or
 * a failed run, 2 bad usage, 70 internal error (a bug), 130 interrupted by Ctrl-C (resumable).
 */
export const EXIT_CODES = { ok: 0, error: 1, usage: 2, internal: 70, interrupted: 130 } as const;

/**
 * Errors of kdet's libraries that describe bad input (they name the file, entry and value), by class
 * name — matched by name so the CLI does not load the libraries to recognise them.
 */
const INPUT_ERRORS: ReadonlySet<string> = new Set([
  "DataError",
  "EvalInputError",
  "NonFiniteError",
  "TeacherCacheError",
  "TeacherModelError",
  "CheckpointFormatError",
]);

/** `e` as a CliError when it is one or a library's bad-input error (exit 1); undefined for anything else. */
export function asCliError(e: unknown): CliError | undefined {
  if (e instanceof CliError) return e;
  if (!(e instanceof Error)) return undefined;
  const name = e.name !== "Error" ? e.name : e.constructor.name;
  if (!INPUT_ERRORS.has(name)) return undefined;
  const c = new CliError(e.message);
  c.stack = e.stack;
  return c;
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
