import type { CategoryRow, CocoEvalResult } from "./coco-eval";
import type { ConfusionSummary } from "./confusion";
import { padLeft, padRight, pyFixed } from "./format";
import { prCurves } from "./pr-curves";
import type { VocResult } from "./voc-ap";

/** Text rendering of the kdet-eval extras (the COCO summary itself is summarize.ts' formatSummary). */

/** The iouThrs entry equal to t up to 1e-9 (0.9 finds 0.8999999999999999), or null. */
export function findIouThr(thrs: readonly number[], t: number): number | null {
  return thrs.find((x) => Math.abs(x - t) < 1e-9) ?? null;
}

/** 3 decimals as pycocotools prints them; "-" for an absent value (-1 or null). */
const f3 = (v: number | null): string => (v === null || v === -1 ? "-" : pyFixed(v, 3));

/** Per-category rows and, when --iou is one of the IoU thresholds, the F1-optimal threshold per category. */
export function perClassRows(
  res: CocoEvalResult,
  iou: number,
): {
  rows: CategoryRow[];
  f1: Map<number, { f1: number; threshold: number; precision: number; recall: number } | null> | null;
} {
  const rows = res.perCategory();
  const t = findIouThr(res.params.iouThrs, iou);
  if (t === null) return { rows, f1: null };
  const f1 = new Map(prCurves(res, { iouThr: t }).map((c) => [c.catId, c.bestF1]));
  return { rows, f1 };
}

/** The per-category table printed by --per-class. */
export function perClassText(res: CocoEvalResult, iou: number): string {
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
      out += b
        ? `   ${padLeft(pyFixed(b.f1, 3), 6)}  ${padLeft(pyFixed(b.threshold, 4), 6)}`
        : `   ${padLeft("-", 6)}  ${padLeft("-", 6)}`;
    }
    out += "\n";
  }
  if (!f1) out += `(no F1 thresholds: --iou ${iou} is not one of the IoU thresholds)\n`;
  return out;
}

/** The VOC table printed by --voc07 / --voc12. */
export function vocText(v: VocResult, metric: "voc07" | "voc12"): string {
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

/** The false-positive breakdown printed by --confusion. */
export function confusionText(c: ConfusionSummary): string {
  const T = c.total;
  let out = `\nDetections at IoU=${pyFixed(c.iouThr, 2)}, area=all: TP ${T.tp}, FP ${T.fp}, missed gts ${T.fn}\n`;
  out += `False positives by kind: duplicate ${T.duplicate}, localisation ${T.localisation} (IoU in [${c.bgIouThr}, ${c.iouThr})), wrong class ${T.wrongClass}, background ${T.background}\n`;
  if (c.classConfusions.length) {
    out += "Most frequent class confusions (detected -> actual: count): ";
    out += c.classConfusions
      .slice(0, 10)
      .map((p) => `${p.detected}->${p.actual}: ${p.count}`)
      .join(", ");
    out += "\n";
  }
  return out;
}
