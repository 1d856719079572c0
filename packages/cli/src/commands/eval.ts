/** `kdet eval GT.json RESULTS.json [...]`: the `@kdet/eval` CLI (pycocotools-exact COCO mAP), unchanged. */
import { KDET_EVAL_USAGE, kdetEvalMain } from "@kdet/eval";
import type { Command } from "../command";

/** `kdet eval`. */
export const evalCommand: Command = {
  summary: "COCO mAP of a results file (pycocotools-exact; same as kdet-eval)",
  usage: KDET_EVAL_USAGE.replace(/kdet-eval/g, "kdet eval"),
  run: async (argv, io) =>
    kdetEvalMain([...argv], {
      // the same program under its kdet name: usage lines and message prefixes say `kdet eval`
      stdout: (t) => io.stdout(t.replace(/kdet-eval\b/g, "kdet eval")),
      stderr: (t) => io.stderr(t.replace(/kdet-eval\b/g, "kdet eval")),
    }),
};
