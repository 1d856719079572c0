/**
 * Ctrl-C during training: the first SIGINT asks the trainer to stop after the current step (it
 * writes `last.ckpt`, then the command prints how to resume and exits 130); a second SIGINT quits at
 * once (the last periodic checkpoint stays valid).
 */
import type { CliIo } from "./cli-io";
import { CliError } from "./errors";

/** A stage stopped on request (Ctrl-C) after checkpointing its current step; exit status 130. */
export class TrainingInterrupted extends CliError {
  constructor(
    message: string,
    /** The folder whose `last.ckpt` holds the interrupted step. */
    readonly dir: string,
  ) {
    super(message, 130);
    this.name = "TrainingInterrupted";
  }
}

/**
 * Runs `f` with an AbortSignal that the process's SIGINT aborts; the handler is removed afterwards.
 * `resumeCommand` is appended to a TrainingInterrupted message.
 */
export async function withInterrupt<T>(
  io: CliIo,
  resumeCommand: string,
  f: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) {
      io.stderr(`\ninterrupted again: quitting without a new checkpoint; resume with: ${resumeCommand}\n`);
      process.exit(130);
    }
    ac.abort();
    io.stderr("\ninterrupt: finishing the current step and saving a checkpoint (Ctrl-C again to quit now)\n");
  };
  process.on("SIGINT", onSigint);
  try {
    return await f(ac.signal);
  } catch (e) {
    if (e instanceof TrainingInterrupted)
      throw new CliError(`${e.message}\nresume with: ${resumeCommand}`, 130);
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
