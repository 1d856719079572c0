import { parseArgs } from "node:util";
import { z } from "zod";
import { confusionText, findIouThr, perClassRows, perClassText, vocText } from "./cli-text";
import { DEFAULT_IOU_THRS } from "./coco-params";
import { cocoEvaluate } from "./coco-eval";
import { confusionSummary } from "./confusion";
import { EvalInputError } from "./errors";
import { DEFAULT_MAX_INPUT_BYTES } from "./json";
import {
  type GroundTruth,
  type LoadOptions,
  type LoadResultsOptions,
  type Results,
  loadGroundTruth,
  loadResults,
  loadResultsAsync,
} from "./load";
import type { NumpySum } from "./numpy-float";
import { STATS_NAMES } from "./summarize";
import { vocFromCoco } from "./voc-ap";

/** Where main() writes; the bin passes process.stdout / process.stderr. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The package version printed by --version. */
export const VERSION = "0.1.0";

/** The --help text. */
export const USAGE = `Usage: kdet-eval GT.json RESULTS.json [options]

COCO bbox mAP with pycocotools' exact numbers (and PASCAL VOC AP on request).
GT.json is a COCO ground-truth dict, RESULTS.json a COCO results list
[{image_id, category_id, bbox: [x, y, w, h], score}, ...]; either may be gzipped.

Options:
  --json                 print one JSON object (stats, numImages, numDetections, ...) instead of text
  --per-class            per-category AP/AR table, with the F1-optimal score threshold at --iou
  --voc07                also PASCAL VOC2007 11-point AP per class and mAP, at --iou
  --voc12                also PASCAL VOC2010+ all-point AP per class and mAP, at --iou
  --iou T                IoU threshold of VOC AP and of the per-class extras (default 0.5);
                         the COCO summary always uses 0.50:0.95
  --max-dets A,B,C       pycocotools maxDets: three increasing positive integers (default 1,10,100);
                         the AP@[.50:.95] line always uses 100, as in pycocotools (-1 without it)
  --no-cats              pool all categories (pycocotools useCats = 0)
  --confusion            false positives by kind (duplicate, localisation, wrong class, background)
  --legacy-numpy         reproduce numpy < 2.3 summation (stats may differ by 1 ulp with > 8 categories)
  --allow-unknown-cats   ignore results whose category_id is not in GT (as pycocotools silently does)
                         instead of failing
  --max-input-mb N       refuse input files (or gzip contents) larger than N MiB (default 512)
  --parser generic       read the files with JSON.parse + schema validation instead of the default
                         column scanner (same numbers and errors, several times slower; for comparison)
  -h, --help             this help
  --version              print the version

Exit status:
  0   success (warnings, if any, on stderr or in the JSON "warnings")
  1   bad input: unreadable, not a regular file, over the size limit, malformed, or invalid (the message
      names the file, the entry and the field)
  2   bad usage (unknown option, bad option value, not two files)
  70  internal error (a bug: please report it; KDET_DEBUG=1 prints the stack trace)
`;

const ARGS = {
  json: { type: "boolean" },
  "per-class": { type: "boolean" },
  voc07: { type: "boolean" },
  voc12: { type: "boolean" },
  iou: { type: "string" },
  "max-dets": { type: "string" },
  "max-input-mb": { type: "string" },
  parser: { type: "string" },
  "no-cats": { type: "boolean" },
  confusion: { type: "boolean" },
  "legacy-numpy": { type: "boolean" },
  "allow-unknown-cats": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** The command line after parseArgs, validated and normalised. */
const CliOptionsSchema = z
  .object({
    positionals: z.array(z.string()).length(2, {
      error: (iss) => `expected two files, GT.json RESULTS.json; got ${(iss.input as string[]).length}`,
    }),
    json: z.boolean().default(false),
    "per-class": z.boolean().default(false),
    voc07: z.boolean().default(false),
    voc12: z.boolean().default(false),
    iou: z
      .string()
      .default("0.5")
      .transform((s) => (s.trim() === "" ? NaN : Number(s)))
      .pipe(
        z
          .number({ error: "--iou expects a number in (0, 1]" })
          .gt(0, { error: "--iou expects a number in (0, 1]" })
          .max(1, { error: "--iou expects a number in (0, 1]" }),
      ),
    "max-dets": z
      .string()
      .regex(/^\s*\d{1,9}\s*,\s*\d{1,9}\s*,\s*\d{1,9}\s*$/, {
        error: (iss) =>
          `--max-dets expects exactly three positive integers separated by commas, e.g. 1,10,100 (pycocotools' summary reads maxDets[0], [1] and [2]); got ${JSON.stringify(iss.input)}`,
      })
      .transform((s) => s.split(",").map(Number))
      .refine((a) => a[0]! >= 1 && a[0]! < a[1]! && a[1]! < a[2]!, {
        error: (iss) =>
          `--max-dets values must be positive and increasing (AR1 < AR10 < AR100 columns), got ${(iss.input as number[]).join(",")}`,
      })
      .optional(),
    "max-input-mb": z
      .string()
      .transform((s) => (/^\s*\d+(\.\d+)?\s*$/.test(s) ? Number(s) : NaN))
      .pipe(
        z
          .number({ error: "--max-input-mb expects a size in MiB, e.g. 512" })
          .gt(0, { error: "--max-input-mb expects a size in MiB > 0" })
          .max(2 ** 22, { error: "--max-input-mb must be at most 4194304 (4 TiB)" }),
      )
      .optional(),
    parser: z.enum(["fast", "generic"], { error: "--parser expects fast or generic" }).default("fast"),
    "no-cats": z.boolean().default(false),
    confusion: z.boolean().default(false),
    "legacy-numpy": z.boolean().default(false),
    "allow-unknown-cats": z.boolean().default(false),
  })
  .refine((o) => !(o.voc07 && o.voc12), { error: "--voc07 and --voc12 are exclusive" })
  .refine((o) => !(o["no-cats"] && (o["per-class"] || o.confusion)), {
    error: "--per-class and --confusion need per-category matching; drop --no-cats",
  })
  .refine((o) => !o.confusion || findIouThr(DEFAULT_IOU_THRS, o.iou) !== null, {
    error: `--confusion needs --iou to be one of the COCO IoU thresholds 0.5, 0.55, ..., 0.95`,
  });

type CliOptions = z.output<typeof CliOptionsSchema>;

class UsageError extends Error {}

function parse(argv: readonly string[]): CliOptions | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: ARGS });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) return "help";
  if (parsed.values.version) return "version";
  const r = CliOptionsSchema.safeParse({ ...parsed.values, positionals: parsed.positionals });
  if (!r.success) throw new UsageError(r.error.issues[0]!.message);
  return r.data;
}

/**
 * The kdet-eval command. Returns the exit status; never throws for bad input or usage. Synchronous; mainAsync
 * is the same command with gzip decompression overlapped with scanning (what the bin runs).
 */
export function main(argv: readonly string[], io: CliIo): number {
  const opts = start(argv, io);
  if (typeof opts === "number") return opts;
  try {
    const { gtPath, dtPath, gtOpts, dtOpts } = inputs(opts);
    const gt = loadGroundTruth(gtPath, gtOpts);
    return finish(argv, io, opts, gt, loadResults(dtPath, gt, dtOpts));
  } catch (e) {
    return failure(e, io);
  }
}

/** main(), with the results file's gzip content inflated on the thread pool while it is scanned. */
export async function mainAsync(argv: readonly string[], io: CliIo): Promise<number> {
  const opts = start(argv, io);
  if (typeof opts === "number") return opts;
  try {
    const { gtPath, dtPath, gtOpts, dtOpts } = inputs(opts);
    const gt = loadGroundTruth(gtPath, gtOpts);
    return finish(argv, io, opts, gt, await loadResultsAsync(dtPath, gt, dtOpts));
  } catch (e) {
    return failure(e, io);
  }
}

/** Parses the command line; an exit status when there is nothing more to do (usage error, --help, --version). */
function start(argv: readonly string[], io: CliIo): CliOptions | number {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(argv);
  } catch (e) {
    io.stderr(`kdet-eval: ${(e as Error).message}\nRun kdet-eval --help for usage.\n`);
    return 2;
  }
  if (opts === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (opts === "version") {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  return opts;
}

/** The two files and their loader options. */
function inputs(opts: CliOptions) {
  const [gtPath, dtPath] = opts.positionals as [string, string];
  const mb = opts["max-input-mb"];
  const maxInputBytes = mb === undefined ? DEFAULT_MAX_INPUT_BYTES : Math.max(1, Math.floor(mb * 2 ** 20));
  const gtOpts: LoadOptions = { maxInputBytes, parser: opts.parser };
  const dtOpts: LoadResultsOptions = {
    ...gtOpts,
    unknownCategories: opts["allow-unknown-cats"] ? "drop" : "error",
  };
  return { gtPath, dtPath, gtOpts, dtOpts };
}

/** Evaluates and prints; the exit status. */
function finish(argv: readonly string[], io: CliIo, opts: CliOptions, gt: GroundTruth, dt: Results): number {
  const numpySum: NumpySum = opts["legacy-numpy"] ? "numpy<2.3" : "numpy>=2.3";
  const res = cocoEvaluate(gt, dt, {
    useCats: !opts["no-cats"],
    numpySum,
    ...(opts["max-dets"] ? { maxDets: opts["max-dets"] } : {}),
  });
  const warnings = [...gt.warnings, ...dt.warnings];
  const metric = opts.voc07 ? "voc07" : opts.voc12 ? "voc12" : null;
  if (argv.some((a) => a.startsWith("--iou")) && !metric && !opts["per-class"] && !opts.confusion) {
    warnings.push(
      "--iou only affects --voc07/--voc12, --per-class and --confusion; the COCO summary uses IoU 0.50:0.95",
    );
  }
  const voc = metric ? vocFromCoco(gt, dt, { iouThr: opts.iou, numpySum }) : null;
  const confusion = opts.confusion
    ? confusionSummary(res, { iouThr: findIouThr(res.params.iouThrs, opts.iou)! })
    : null;
  if (opts.json) {
    const out: Record<string, unknown> = {
      stats: res.stats,
      statsNames: STATS_NAMES,
      numImages: res.numImages,
      numDetections: res.numDetections,
      numGroundTruths: res.numGroundTruths,
      params: {
        iouThrs: res.params.iouThrs,
        maxDets: res.params.maxDets,
        areaRng: res.params.areaRng,
        areaRngLbl: res.params.areaRngLbl,
        useCats: res.params.useCats,
        numCategories: res.params.catIds.length,
        numpySum,
      },
      summary: res.summary,
    };
    if (opts["per-class"]) {
      const { rows, f1 } = perClassRows(res, opts.iou);
      out["perClass"] = rows.map((r) => ({ ...r, bestF1: f1?.get(r.catId) ?? null }));
    }
    if (voc && metric) {
      out["voc"] = {
        metric,
        iouThr: voc.iouThr,
        map: metric === "voc07" ? voc.map07 : voc.map10,
        perClass: voc.perClass.map((c) => ({
          catId: c.classId,
          name: c.name,
          npos: c.npos,
          ndet: c.ndet,
          ap: metric === "voc07" ? c.ap07 : c.ap10,
        })),
      };
    }
    if (confusion) out["confusion"] = confusion;
    out["warnings"] = warnings;
    io.stdout(`${JSON.stringify(out)}\n`);
  } else {
    for (const w of warnings) io.stderr(`kdet-eval: warning: ${w}\n`);
    let text = res.summary;
    if (opts["per-class"]) text += perClassText(res, opts.iou);
    if (voc && metric) text += vocText(voc, metric);
    if (confusion) text += confusionText(confusion);
    io.stdout(text);
  }
  return 0;
}

/** The exit status and message of an error: 1 for bad input, 70 (with a hint) for anything else. */
function failure(e: unknown, io: CliIo): number {
  if (e instanceof EvalInputError) {
    io.stderr(`kdet-eval: error: ${e.message}\n`);
    return 1;
  }
  const err = e as Error;
  io.stderr(`kdet-eval: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env["KDET_DEBUG"]) io.stderr(`${err?.stack ?? ""}\n`);
  else io.stderr("(set KDET_DEBUG=1 for a stack trace; please report this)\n");
  return 70;
}
