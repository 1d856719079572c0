#!/usr/bin/env node
/**
 * The `kdet` executable. tfjs-core's CommonJS entry is loaded first, then its gradient and chained-op
 * registrations (ESM modules, resolved by bin/tfjs-esm-hook.mjs), then the commands.
 */
import "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";
import { processIo } from "./cli-io";
import { main } from "./main";

// `kdet config schema | head`: a closed stdout ends the command quietly
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2), processIo());
