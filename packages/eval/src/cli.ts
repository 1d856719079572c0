import { parseArgs } from "node:util";
import { cocoEvaluate, type CategoryRow, type CocoEvalResult } from "./coco-eval";
import { confusionSummary, type ConfusionSummary } from "./confusion";
import { EvalInputError } from "./errors";
import { padLeft, padRight, pyFixed } from "./format";
import { loadGroundTruth, loadResults } from "./load";
import { prCurves } from "./pr-curves";
import { STATS_NAMES } from "./summarize";
import { vocFromCoco, type VocResult } from "./voc-ap";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const VERSION = "0.1.0";

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
  --max-dets A,B,C       pycocotools maxDets (default 1,10,100)
  --no-cats              pool all categories (pycocotools useCats = 0)
  --confusion            false positives by kind (duplicate, localisation, wrong class, background)
  --legacy-numpy         reproduce numpy < 2.3 summation (stats may differ by 1 ulp with > 8 categories)
  --allow-unknown-cats   ignore results whose category_id is not in GT (as pycocotools silently does)
                         instead of failing
  -h, --help             this help
  --version              print the version

Exit status: 0 on success, 1 on bad input (the message names the file, the entry and the field), 2 on bad usage.
`;

class UsageError extends Error {}

interface CliOptions {
  gt: string;
  dt: string;
  json: boolean;
  perClass: boolean;
  voc: "voc07" | "voc12" | null;
  iou: number;
  maxDets: number[] | undefined;
  useCats: boolean;
  confusion: boolean;
  legacy: boolean;
  allowUnknown: boolean;
  iouGiven: boolean;
}

function parse(argv: readonly string[]): CliOptions | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean" },
        "per-class": { type: "boolean" },
        voc07: { type: "boolean" },
        voc12: { type: "boolean" },
        iou: { type: "string" },
        "max-dets": { type: "string" },
        "no-cats": { type: "boolean" },
        confusion: { type: "boolean" },
        "legacy-numpy": { type: "boolean" },
        "allow-unknown-cats": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.version) return "version";
  const pos = parsed.positionals;
  if (pos.length !== 2) {
    throw new UsageError(pos.length < 2 ? "expected two files: GT.json RESULTS.json" : `expected two files, got ${pos.length}: ${pos.join(" ")}`);
  }
  if (v.voc07 && v.voc12) throw new UsageError("--voc07 and --voc12 are exclusive");
  let iou = 0.5;
  if (v.iou !== undefined) {
    iou = Number(v.iou);
    if (v.iou.trim() === "" || !Number.isFinite(iou) || iou <= 0 || iou > 1) throw new UsageError(`--iou expects a number in (0, 1], got "${v.iou}"`);
  }
  let maxDets: number[] | undefined;
  if (v["max-dets"] !== undefined) {
    maxDets = v["max-dets"].split(",").map((s) => Number(s.trim()));
    if (maxDets.length === 0 || maxDets.some((m) => !Number.isInteger(m) || m < 1) || v["max-dets"].split(",").some((s) => s.trim() === "")) {
      throw new UsageError(`--max-dets expects positive integers separated by commas (e.g. 1,10,100), got "${v["max-dets"]}"`);
    }
  }
  const useCats = !v["no-cats"];
  if (!useCats && (v["per-class"] || v.confusion)) throw new UsageError("--per-class and --confusion need per-category matching; drop --no-cats");
  return {
    gt: pos[0]!,
    dt: pos[1]!,
    json: Boolean(v.json),
    perClass: Boolean(v["per-class"]),
    voc: v.voc07 ? "voc07" : v.voc12 ? "voc12" : null,
    iou,
    maxDets,
    useCats,
    confusion: Boolean(v.confusion),
    legacy: Boolean(v["legacy-numpy"]),
    allowUnknown: Boolean(v["allow-unknown-cats"]),
    iouGiven: v.iou !== undefined,
  };
}

/** The iouThrs entry equal to t up to 1e-9 (0.9 finds 0.8999999999999999), or null. */
function findIouThr(thrs: readonly number[], t: number): number | null {
  return thrs.find((x) => Math.abs(x - t) < 1e-9) ?? null;
}

const f3 = (v: number | null): string => (v === null || v === -1 ? "-" : pyFixed(v, 3));

function perClassRows(res: CocoEvalResult, iou: number): { rows: CategoryRow[]; f1: Map<number, { f1: number; threshold: number; precision: number; recall: number } | null> | null } {
  const rows = res.perCategory();
  const t = findIouThr(res.params.iouThrs, iou);
  if (t === null) return { rows, f1: null };
  const f1 = new Map(prCurves(res, { iouThr: t }).map((c) => [c.catId, c.bestF1]));
  return { rows, f1 };
}

function perClassText(res: CocoEvalResult, iou: number): string {
  const { rows, f1 } = perClassRows(res, iou);
  const nameW = Math.min(24, Math.max(4, ...rows.map((r) => r.name.length)));
  const cols = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100"] as const;
  let out = `\nPer category (AP/AR over IoU=0.50:0.95 unless named; "-" = no ground truth)\n`;
  out += `${padLeft("catId", 6)}  ${padRight("name", nameW)} ${cols.map((c) => padLeft(c, 6)).join(" ")}`;
  out += f1 ? `   bestF1  @score   (IoU=${pyFixed(iou, 2)})\n` : "\n";
  for (const r of rows) {
    out += `${padLeft(String(r.catId), 6)}  ${padRight(r.name.slice(0, nameW), nameW)} ${cols.map((c) => padLeft(f3(r[c]), 6)).join(" ")}`;
    if (f1) {
      const b = f1.get(r.catId);
      out += b ? `   ${padLeft(pyFixed(b.f1, 3), 6)}  ${padLeft(pyFixed(b.threshold, 4), 6)}` : `   ${padLeft("-", 6)}  ${padLeft("-", 6)}`;
    }
    out += "\n";
  }
  if (!f1) out += `(no F1 thresholds: --iou ${iou} is not one of the IoU thresholds)\n`;
  return out;
}

function vocText(v: VocResult, metric: "voc07" | "voc12"): string {
  const title = metric === "voc07" ? "VOC2007 11-point" : "VOC2010+ all-point";
  const nameW = Math.min(24, Math.max(4, ...v.perClass.map((c) => c.name.length)));
  let out = `\nPASCAL VOC AP (${title}, IoU > ${v.iouThr}, difficult := iscrowd)\n`;
  out += `${padLeft("catId", 6)}  ${padRight("name", nameW)} ${padLeft("npos", 6)} ${padLeft("ndet", 7)} ${padLeft("AP", 6)}\n`;
  for (const c of v.perClass) {
    const ap = metric === "voc07" ? c.ap07 : c.ap10;
    out += `${padLeft(String(c.classId), 6)}  ${padRight(c.name.slice(0, nameW), nameW)} ${padLeft(String(c.npos), 6)} ${padLeft(String(c.ndet), 7)} ${padLeft(f3(ap), 6)}\n`;
  }
  const map = metric === "voc07" ? v.map07 : v.map10;
  out += `mAP = ${map === null ? "- (no class has ground truth)" : pyFixed(map, 4)}\n`;
  return out;
}

function confusionText(c: ConfusionSummary): string {
  const T = c.total;
  let out = `\nDetections at IoU=${pyFixed(c.iouThr, 2)}, area=all: TP ${T.tp}, FP ${T.fp}, missed gts ${T.fn}\n`;
  out += `False positives by kind: duplicate ${T.duplicate}, localisation ${T.localisation} (IoU in [${c.bgIouThr}, ${c.iouThr})), wrong class ${T.wrongClass}, background ${T.background}\n`;
  if (c.classConfusions.length) {
    out += "Most frequent class confusions (detected -> actual: count): ";
    out += c.classConfusions.slice(0, 10).map((p) => `${p.detected}->${p.actual}: ${p.count}`).join(", ");
    out += "\n";
  }
  return out;
}

/** The kdet-eval command. Returns the exit status; never throws for bad input or usage. */
export function main(argv: readonly string[], io: CliIo): number {
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
  try {
    const gt = loadGroundTruth(opts.gt);
    const dt = loadResults(opts.dt, gt, { unknownCategories: opts.allowUnknown ? "drop" : "error" });
    const res = cocoEvaluate(gt, dt, {
      useCats: opts.useCats,
      ...(opts.maxDets ? { maxDets: opts.maxDets } : {}),
      numpySum: opts.legacy ? "numpy<2.3" : "numpy>=2.3",
    });
    const warnings = [...gt.warnings, ...dt.warnings];
    if (opts.iouGiven && !opts.voc && !opts.perClass && !opts.confusion) {
      warnings.push("--iou only affects --voc07/--voc12, --per-class and --confusion; the COCO summary uses IoU 0.50:0.95");
    }
    const voc = opts.voc ? vocFromCoco(gt, dt, { iouThr: opts.iou, numpySum: opts.legacy ? "numpy<2.3" : "numpy>=2.3" }) : null;
    let confusion: ConfusionSummary | null = null;
    if (opts.confusion) {
      const t = findIouThr(res.params.iouThrs, opts.iou);
      if (t === null) throw new UsageErrorAtRun(`--confusion: --iou ${opts.iou} is not one of the IoU thresholds ${res.params.iouThrs.join(", ")}`);
      confusion = confusionSummary(res, { iouThr: t });
    }
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
          numpySum: opts.legacy ? "numpy<2.3" : "numpy>=2.3",
        },
        summary: res.summary,
      };
      if (opts.perClass) {
        const { rows, f1 } = perClassRows(res, opts.iou);
        out["perClass"] = rows.map((r) => ({ ...r, bestF1: f1?.get(r.catId) ?? null }));
      }
      if (voc) {
        const metric = opts.voc!;
        out["voc"] = {
          metric,
          iouThr: voc.iouThr,
          map: metric === "voc07" ? voc.map07 : voc.map10,
          perClass: voc.perClass.map((c) => ({ catId: c.classId, name: c.name, npos: c.npos, ndet: c.ndet, ap: metric === "voc07" ? c.ap07 : c.ap10 })),
        };
      }
      if (confusion) out["confusion"] = confusion;
      out["warnings"] = warnings;
      io.stdout(`${JSON.stringify(out)}\n`);
    } else {
      for (const w of warnings) io.stderr(`kdet-eval: warning: ${w}\n`);
      let text = res.summary;
      if (opts.perClass) text += perClassText(res, opts.iou);
      if (voc) text += vocText(voc, opts.voc!);
      if (confusion) text += confusionText(confusion);
      io.stdout(text);
    }
    return 0;
  } catch (e) {
    if (e instanceof EvalInputError) {
      io.stderr(`kdet-eval: error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageErrorAtRun) {
      io.stderr(`kdet-eval: ${e.message}\n`);
      return 2;
    }
    const err = e as Error;
    io.stderr(`kdet-eval: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env["KDET_DEBUG"]) io.stderr(`${err?.stack ?? ""}\n`);
    else io.stderr("(set KDET_DEBUG=1 for a stack trace; please report this)\n");
    return 70;
  }
}

class UsageErrorAtRun extends Error {}
