/**
 * Public third-party test vectors (testdata/eval-cases/vectors: cocoapi's fake results, Cartucho/mAP,
 * rafaelpadilla/Object-Detection-Metrics and its review repository) with their published numbers.
 * Skipped when the vectors folder is absent (e.g. KDET_EVAL_CASES points to another set of cases).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cocoEvaluate } from "./coco-eval";
import { pyFixed } from "./format";
import { readJsonFile } from "./json";
import { loadGroundTruth, loadResults } from "./load";
import { npMean } from "./numpy-float";
import { vocClassAp, type VocDet, type VocGt } from "./voc-ap";
import { casesRoot, firstBitDifference } from "./case-files.test-util";

const V = join(casesRoot(), "vectors");
const has = (p: string) => existsSync(join(V, p));

interface Box {
  cls: string;
  image: string;
  box: number[];
  score: number;
}

/** Text boxes, one file per image (sorted by name), one box per line: "cls [score] a b c d". */
function readBoxes(dir: string, withScore: boolean, xywh: boolean): Box[] {
  const out: Box[] = [];
  for (const f of readdirSync(dir).sort()) {
    for (const line of readFileSync(join(dir, f), "utf8").split(/\r?\n/)) {
      const p = line.trim().split(/\s+/);
      if (p.length < (withScore ? 6 : 5)) continue;
      const [a, b, c, d] = p.slice(-4).map(Number) as [number, number, number, number];
      const score = withScore ? Number(p[p.length - 5]) : 0;
      const cls = p.slice(0, withScore ? -5 : -4).join(" ");
      out.push({
        cls,
        image: f.replace(/\.[^.]+$/, ""),
        score,
        box: xywh ? [a, b, a + c, b + d] : [a, b, c, d],
      });
    }
  }
  return out;
}

const ofClass = <T extends { cls: string }>(l: T[], c: string) => l.filter((x) => x.cls === c);
/** rafaelpadilla's conventions: +1 areas, IoU >= t, no difficult, no precision epsilon. */
const PADILLA = { thrCmp: ">=", precEps: false, plus1: true } as const;

describe.skipIf(!has("rafaelpadilla_review_odm/test_coco_eval"))(
  "rafaelpadilla/review_object_detection_metrics test_coco_eval",
  () => {
    const dir = join(V, "rafaelpadilla_review_odm/test_coco_eval");
    const exp = () =>
      readJsonFile(join(dir, "expected_by_oracle.json")) as Record<string, Record<string, number[]>> & {
        published: { stats: number[] };
      };
    for (const file of ["cocoapi_results.json", "sampled_bbox_results.json"]) {
      it(`${file}: pycocotools stats bit for bit (both numpy models, useCats 0 and 1) and the published values to 1e-6`, () => {
        const e = exp();
        const gt = loadGroundTruth(join(dir, "sampled_gts_bbox_area.json"));
        const dt = loadResults(join(dir, file), gt);
        const ref = e[file]!;
        const cases: [string, number[]][] = [
          ["stats", cocoEvaluate(gt, dt, { numpySum: "numpy<2.3" }).stats],
          ["stats_numpy_ge_2_3", cocoEvaluate(gt, dt).stats],
          ["stats_usecats0", cocoEvaluate(gt, dt, { numpySum: "numpy<2.3", useCats: false }).stats],
          ["stats_usecats0_numpy_ge_2_3", cocoEvaluate(gt, dt, { useCats: false }).stats],
        ];
        for (const [field, got] of cases) expect(firstBitDifference(got, ref[field]!), field).toBeNull();
        const published = e.published.stats;
        cases[0]![1].forEach((v, i) => expect(Math.abs(v - published[i]!)).toBeLessThanOrEqual(1e-6));
      });
    }
  },
);

describe.skipIf(!has("rafaelpadilla_review_odm/test_case_1"))(
  "rafaelpadilla test_case_1 (VOC, published in tests/)",
  () => {
    const gts = () => readBoxes(join(V, "rafaelpadilla_review_odm/test_case_1/gts"), false, true);
    const dets = () => readBoxes(join(V, "rafaelpadilla_review_odm/test_case_1/dets"), true, true);
    const published: [number, number, number][] = [
      // [IoU, 11-point AP, all-point AP], quoted with 10 decimals
      [0.1, 0.3333333333, 0.3371980676],
      [0.3, 0.2683982683, 0.2456866804],
      [0.5, 0.0303030303, 0.0222222222],
      [0.75, 0, 0],
    ];
    for (const [iou, ap11, apAll] of published) {
      it(`IoU ${iou}: 11-point ${ap11}, all-point ${apAll}`, () => {
        const r = vocClassAp(gts() as VocGt[], dets() as VocDet[], { ...PADILLA, iouThr: iou });
        expect(Math.abs(r.ap07! - ap11)).toBeLessThan(1e-10);
        expect(Math.abs(r.ap10! - apAll)).toBeLessThan(1e-10);
      });
    }
  },
);

describe.skipIf(!has("rafaelpadilla_odm/results/results.txt"))(
  "rafaelpadilla/Object-Detection-Metrics results.txt",
  () => {
    it("AP 24.57% and the printed precision / recall lists (IoU 0.3)", () => {
      const txt = readFileSync(join(V, "rafaelpadilla_odm/results/results.txt"), "utf8");
      const gts = readBoxes(join(V, "rafaelpadilla_odm/groundtruths"), false, true);
      const dets = readBoxes(join(V, "rafaelpadilla_odm/detections"), true, true);
      const r = vocClassAp(gts, dets, { ...PADILLA, iouThr: 0.3 });
      expect(`${pyFixed(r.ap10! * 100, 2)}%`).toBe(/AP: ([\d.]+%)/.exec(txt)![1]);
      const list = (name: string) =>
        JSON.parse(new RegExp(`${name}: (\\[.*\\])`).exec(txt)![1]!.replace(/'/g, '"')) as string[];
      expect([...r.precision].map((v) => pyFixed(v, 2))).toStrictEqual(list("Precision"));
      expect([...r.recall].map((v) => pyFixed(v, 2))).toStrictEqual(list("Recall"));
    });
  },
);

describe.skipIf(!has("rafaelpadilla_review_odm/toyexample"))("rafaelpadilla toy example (VOC xml)", () => {
  const T = join(V, "rafaelpadilla_review_odm/toyexample");
  const gts = (): Box[] => {
    const out: Box[] = [];
    for (const f of readdirSync(join(T, "gts_vocpascal_format")).sort()) {
      const xml = readFileSync(join(T, "gts_vocpascal_format", f), "utf8");
      for (const m of xml.matchAll(/<object>([\s\S]*?)<\/object>/g)) {
        const o = m[1]!;
        const tag = (t: string) => new RegExp(`<${t}>\\s*([^<]*?)\\s*</${t}>`).exec(o)![1]!;
        out.push({
          cls: tag("name"),
          image: f.replace(/\.xml$/, ""),
          score: 0,
          box: ["xmin", "ymin", "xmax", "ymax"].map((t) => Number(tag(t))),
        });
      }
    }
    return out;
  };
  const dets = () => readBoxes(join(T, "dets_classname_abs_xywh"), true, true);
  // README: class cat, IoU .5: 11-point 88.64 %, all-point 89.58 %; IoU .75: 49.24 %, 50.97 %
  for (const [iou, ap11, apAll] of [
    [0.5, "88.64", "89.58"],
    [0.75, "49.24", "50.97"],
  ] as const) {
    it(`cat at IoU ${iou}: ${ap11}% / ${apAll}%`, () => {
      const r = vocClassAp(ofClass(gts(), "cat"), ofClass(dets(), "cat"), { ...PADILLA, iouThr: iou });
      expect(pyFixed(r.ap07! * 100, 2)).toBe(ap11);
      expect(pyFixed(r.ap10! * 100, 2)).toBe(apAll);
    });
  }
});

describe.skipIf(!has("cartucho_map/expected_by_oracle.json"))("Cartucho/mAP input", () => {
  it("per-class AP and mAP 0.31047718500906324 bit for bit", () => {
    const C = join(V, "cartucho_map");
    const e = readJsonFile(join(C, "expected_by_oracle.json")) as {
      per_class_ap: Record<string, number>;
      mAP: number;
    };
    const gts = readBoxes(join(C, "ground-truth"), false, false);
    const dets = readBoxes(join(C, "detection-results"), true, false);
    const classes = [...new Set(gts.map((g) => g.cls))].sort();
    const got: Record<string, number> = {};
    for (const c of classes)
      got[c] = vocClassAp(ofClass(gts, c), ofClass(dets, c), { ...PADILLA, iouThr: 0.5 }).ap10!;
    expect(got).toStrictEqual(e.per_class_ap);
    expect(npMean(Object.values(got))).toBe(e.mAP);
  });
});
