#!/usr/bin/env node
/**
 * The `kdet` executable. TensorFlow.js is not loaded here: a command imports it (through `@kdet/core`, which
 * registers tfjs-core's gradients and chained ops) only when it runs, so help, config and usage errors answer
 * at once. From sources under tsx, src/testing/register-hook.mjs resolves tfjs-core's ESM registration files.
 */
import { processIo } from "./cli-io";
import { main } from "./main";

// `kdet config schema | head`: a closed stdout ends the command quietly
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2), processIo());
