/** Where commands write and what they know about the terminal; the bin passes the process's streams. */
export interface CliIo {
  /** Results (tables, JSON, printed configs). */
  stdout(text: string): void;
  /** Messages, progress and errors. */
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place; otherwise one line per finished step). */
  isTTY: boolean;
  /** Terminal width for progress bars. */
  columns?: number;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY) && process.env.CI == null,
    columns: process.stderr.columns,
  };
}

/** An in-memory io (tests, library callers): everything written is kept. */
export function bufferIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false };
}
