/** What every command is: a name, a one-line summary, a usage text and a runner returning the exit status. */
import type { CliIo } from "./cli-io";

/** One entry of the command table. */
export interface Command {
  summary: string;
  usage: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
