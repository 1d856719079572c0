/** Extras (per-class table, PR curves, F1 threshold, confusion summary) and pycocotools details of the core. */
import { describe, expect, it } from "vitest";
import { cocoEvaluate } from "./coco-eval";
import { confusionSummary } from "./confusion";
import { loadGroundTruth, loadResults } from "./load";
import { prCurves } from "./pr-curves";
import { vocClassAp } from "./voc-ap";

const img = (id: number) => ({ id, width: 640, height: 480 });
const ann = (id: number, image_id: number, category_id: number, bbox: number[], iscrowd = 0) => ({
  id,
  image_id,
  category_id,
  bbox,
  area: bbox[2]! * bbox[3]!,
  iscrowd,
});
const det = (image_id: number, category_id: number, bbox: number[], score: number) => ({
  image_id,
  category_id,
  bbox,
  score,
});

describe("per-category table", () => {
  it("each row equals pycocotools run with catIds = [that category]", () => {
    const gt = loadGroundTruth({
      images: [img(1), img(2)],
      annotations: [
        ann(1, 1, 1, [0, 0, 50, 50]),
        ann(2, 1, 2, [100, 100, 20, 20]),
        ann(3, 2, 1, [10, 10, 200, 100]),
        ann(4, 2, 3, [5, 5, 5, 5]),
      ],
      categories: [
        { id: 1, name: "one" },
        { id: 2, name: "two" },
        { id: 3, name: "three" },
      ],
    });
    const dt = loadResults(
      [
        det(1, 1, [2, 2, 50, 48], 0.9),
        det(1, 2, [100, 100, 25, 20], 0.8),
        det(2, 1, [10, 10, 190, 100], 0.3),
        det(2, 1, [300, 300, 10, 10], 0.95),
        det(2, 2, [0, 0, 1, 1], 0.1),
      ],
      gt,
    );
    const res = cocoEvaluate(gt, dt);
    const rows = res.perCategory();
    expect(rows.map((r) => r.name)).toStrictEqual(["one", "two", "three"]);
    for (const r of rows) {
      const single = cocoEvaluate(gt, dt, { catIds: [r.catId] }).stats;
      expect([
        r.AP,
        r.AP50,
        r.AP75,
        r.APs,
        r.APm,
        r.APl,
        r.AR1,
        r.AR10,
        r.AR100,
        r.ARs,
        r.ARm,
        r.ARl,
      ]).toStrictEqual(single);
    }
    expect(rows[2]!.AP).toBe(0); // category three: one gt, no detection
  });
});

describe("PR curves and F1-optimal threshold", () => {
  const gt = loadGroundTruth({
    images: [img(1)],
    annotations: [ann(1, 1, 1, [0, 0, 100, 100]), ann(2, 1, 1, [200, 200, 100, 100])],
    categories: [{ id: 1, name: "thing" }],
  });
  const dt = loadResults(
    [
      det(1, 1, [0, 0, 100, 100], 0.9), // TP
      det(1, 1, [400, 0, 50, 50], 0.8), // FP
      det(1, 1, [200, 200, 100, 100], 0.7), // TP
      det(1, 1, [400, 300, 50, 50], 0.6), // FP
    ],
    gt,
  );
  it("raw curve per detection and the best F1 threshold", () => {
    const [c] = prCurves(cocoEvaluate(gt, dt), { iouThr: 0.5 });
    expect([...c!.scores]).toStrictEqual([0.9, 0.8, 0.7, 0.6]);
    expect([...c!.precision]).toStrictEqual([1, 0.5, 2 / 3, 0.5]);
    expect([...c!.recall]).toStrictEqual([0.5, 0.5, 1, 1]);
    expect(c!.bestF1!.threshold).toBe(0.7);
    expect(c!.bestF1!.f1).toBeCloseTo(0.8, 15);
    expect(c!.interpolated[0]).toBe(1 / (1 + 2 ** -52)); // pycocotools' eps
    expect(c!.interpolated[100]).toBe(2 / (3 + 2 ** -52));
  });
  it("a threshold never splits tied scores", () => {
    const tied = loadResults(
      [
        det(1, 1, [0, 0, 100, 100], 0.9),
        det(1, 1, [400, 0, 50, 50], 0.5),
        det(1, 1, [200, 200, 100, 100], 0.5),
      ],
      gt,
    );
    const [c] = prCurves(cocoEvaluate(gt, tied));
    // keeping score >= 0.5 keeps both tied detections: P = 2/3, R = 1 (F1 0.8) beats P = 1, R = 0.5 (F1 0.667)
    expect(c!.bestF1).toMatchObject({ threshold: 0.5, precision: 2 / 3, recall: 1 });
  });
});

describe("confusion summary", () => {
  it("classifies each false positive once", () => {
    const gt = loadGroundTruth({
      images: [img(1)],
      annotations: [ann(1, 1, 1, [0, 0, 100, 100]), ann(2, 1, 2, [300, 300, 100, 100])],
      categories: [
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ],
    });
    const dt = loadResults(
      [
        det(1, 1, [0, 0, 100, 100], 0.9), // TP
        det(1, 1, [1, 1, 100, 100], 0.8), // duplicate
        det(1, 1, [50, 50, 100, 100], 0.7), // localisation (IoU 1/7)
        det(1, 1, [300, 300, 100, 100], 0.6), // wrong class (a on a b)
        det(1, 1, [500, 0, 50, 50], 0.5), // background
      ],
      gt,
    );
    const s = confusionSummary(cocoEvaluate(gt, dt));
    expect(s.total).toStrictEqual({
      tp: 1,
      fp: 4,
      fn: 1,
      duplicate: 1,
      localisation: 1,
      wrongClass: 1,
      background: 1,
    });
    expect(s.classConfusions).toStrictEqual([{ detected: 1, actual: 2, count: 1 }]);
  });
});

describe("pycocotools details", () => {
  it("duplicate annotation ids: the last annotation replaces the first and counts twice", () => {
    const annotations = [ann(5, 1, 1, [0, 0, 100, 100]), ann(5, 1, 1, [200, 200, 100, 100])];
    const dets = [det(1, 1, [0, 0, 100, 100], 0.9), det(1, 1, [200, 200, 100, 100], 0.8)];
    const gtDup = loadGroundTruth({ images: [img(1)], annotations, categories: [{ id: 1 }] });
    expect(gtDup.warnings.join()).toMatch(/duplicate annotation id/);
    const dup = cocoEvaluate(gtDup, loadResults(dets, gtDup)).stats;
    expect(dup[8]).toBe(0.5); // AR100: one of two (identical) gts found
    const gtOk = loadGroundTruth({
      images: [img(1)],
      annotations: [annotations[0]!, { ...annotations[1]!, id: 6 }],
      categories: [{ id: 1 }],
    });
    expect(cocoEvaluate(gtOk, loadResults(dets, gtOk)).stats[8]).toBe(1);
  });

  it("useCats 0 pools a category once per occurrence in catIds (as the list comprehension over p.catIds does)", () => {
    const annotations = [
      ann(1, 1, 1, [0, 0, 100, 100]),
      ann(2, 1, 1, [200, 200, 50, 50]),
      ann(3, 2, 1, [10, 10, 30, 30]),
    ];
    const dets = [
      det(1, 1, [0, 0, 100, 90], 0.9),
      det(1, 1, [190, 200, 50, 50], 0.6),
      det(2, 1, [0, 0, 5, 5], 0.7),
      det(2, 1, [10, 12, 30, 30], 0.6),
    ];
    const gt1 = loadGroundTruth({ images: [img(1), img(2)], annotations, categories: [{ id: 1 }] });
    const repeated = cocoEvaluate(gt1, loadResults(dets, gt1), { useCats: false, catIds: [1, 1] }).stats;
    // the same with the copies made explicit as a second category
    const copies = annotations.map((a) => ({ ...a, id: a.id + 10, category_id: 2 }));
    const gt2 = loadGroundTruth({
      images: [img(1), img(2)],
      annotations: [...annotations, ...copies],
      categories: [{ id: 1 }, { id: 2 }],
    });
    const explicit = cocoEvaluate(
      gt2,
      loadResults([...dets, ...dets.map((d) => ({ ...d, category_id: 2 }))], gt2),
      { useCats: false },
    ).stats;
    expect(repeated).toStrictEqual(explicit);
    expect(repeated).not.toStrictEqual(cocoEvaluate(gt1, loadResults(dets, gt1), { useCats: false }).stats);
  });

  it("custom params: single IoU threshold, maxDets, area ranges", () => {
    const gt = loadGroundTruth({
      images: [img(1)],
      annotations: [ann(1, 1, 1, [0, 0, 10, 10])],
      categories: [{ id: 1 }],
    });
    const dt = loadResults([det(1, 1, [0, 0, 10, 9], 0.5)], gt); // IoU 0.9
    const r = cocoEvaluate(gt, dt, { iouThrs: [0.5] });
    expect(r.precisionShape).toStrictEqual([1, 101, 1, 4, 3]);
    expect(r.stats[2]).toBe(-1); // no 0.75 threshold: AP75 slice is empty
    expect(r.summary.split("\n")[0]).toBe(
      " Average Precision  (AP) @[ IoU=0.50:0.50 | area=   all | maxDets=100 ] = 1.000",
    );
    const a = cocoEvaluate(gt, dt, {
      areaRng: [
        [0, 50],
        [50, 1e10],
      ],
      areaRngLbl: ["all", "big"],
    });
    expect(a.stats[0]).toBe(-1); // "all" is [0, 50]: the gt (area 100) is out of range
  });

  it("invalid params are reported with the parameter and the bad value", () => {
    const gt = loadGroundTruth({ images: [img(1)], annotations: [], categories: [{ id: 1 }] });
    const dt = loadResults([], gt);
    expect(() => cocoEvaluate(gt, dt, { maxDets: [1.5] })).toThrow(
      "invalid evaluation params: maxDets[0]: expected a non-negative integer, got 1.5",
    );
    expect(() => cocoEvaluate(gt, dt, { iouThrs: [] })).toThrow("params: iouThrs: must not be empty");
    expect(() => cocoEvaluate(gt, dt, { areaRng: [[0, 1]] })).toThrow(/areaRngLbl is required/);
  });

  it("VOC: a detection whose best gt is taken is an FP even if another gt overlaps", () => {
    const gts = [
      { image: 1, box: [0, 0, 99, 99] },
      { image: 1, box: [10, 0, 109, 99] },
    ];
    const dets = [
      { image: 1, box: [0, 0, 99, 99], score: 0.9 },
      { image: 1, box: [0, 0, 99, 99], score: 0.8 }, // best gt (the first) is taken: FP, although the second overlaps 0.82
    ];
    const r = vocClassAp(gts, dets);
    expect(r.tp).toBe(1);
    expect(r.fp).toBe(1);
  });
});
