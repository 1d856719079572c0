#!/usr/bin/env node
/**
 * The `kdet` executable. TensorFlow.js is not loaded here: a command imports it (through `@kdet/core`, which
 * loads tfjs-core's CommonJS entry, then its ESM gradient and chained-op registrations, resolved by
 * bin/tfjs-esm-hook.mjs) only when it runs, so help, config and usage errors answer at once.
 */
import { processIo } from "./cli-io";
import { main } from "./main";

// `kdet config schema | head`: a closed stdout ends the command quietly
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2), processIo());
