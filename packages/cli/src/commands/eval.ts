/**
 * `kdet eval GT.json RESULTS.json [...]`: the `@kdet/eval` CLI (pycocotools-exact COCO mAP), unchanged — the
 * same `mainAsync` as the `kdet-eval` bin (gzip inflated on the thread pool while it is scanned); loaded when it
 * runs (`kdet eval --help` prints its full usage).
 */
import type { Command } from "../command";

/** `kdet eval`. */
export const evalCommand: Command = {
  summary: "COCO mAP of a results file (pycocotools-exact; same as kdet-eval)",
  usage: "Usage: kdet eval GT.json RESULTS.json [options]    (kdet eval --help for the options)",
  run: async (argv, io) =>
    (await import("@kdet/eval")).kdetEvalMainAsync([...argv], {
      // the same program under its kdet name: usage lines and message prefixes say `kdet eval`
      stdout: (t) => io.stdout(t.replace(/kdet-eval\b/g, "kdet eval")),
      stderr: (t) => io.stderr(t.replace(/kdet-eval\b/g, "kdet eval")),
    }),
};
