import { describe, expect, it } from "vitest";
import { Rng } from "../random";
import { batchedNms, nms, pairIou } from "./nms";

/** Brute force: per class, repeatedly take the best remaining box and delete its overlaps. */
function bruteForce(
  boxes: Float32Array,
  scores: Float32Array,
  classes: Int32Array,
  thr: number,
): Set<number> {
  const kept = new Set<number>();
  for (const c of new Set(classes)) {
    let rest = [...scores.keys()].filter((i) => classes[i] === c);
    while (rest.length) {
      const best = rest.reduce((b, i) => (scores[i]! > scores[b]! ? i : b));
      kept.add(best);
      rest = rest.filter((i) => i !== best && pairIou(boxes, best, i) <= thr);
    }
  }
  return kept;
}

describe("nms", () => {
  it("equals a brute-force reference on random clusters", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const n = 60;
      const boxes = new Float32Array(4 * n),
        scores = new Float32Array(n),
        classes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const cx = rng.int(0, 4) * 30 + rng.uniform(-5, 5),
          cy = rng.uniform(0, 40);
        const w = rng.uniform(10, 30),
          h = rng.uniform(10, 30);
        boxes.set([cx, cy, cx + w, cy + h], 4 * i);
        scores[i] = rng.next();
        classes[i] = rng.int(0, 3);
      }
      for (const thr of [0.3, 0.5, 0.7]) {
        const got = new Set(nms(boxes, scores, classes, { iouThreshold: thr }));
        expect(got).toEqual(bruteForce(boxes, scores, classes, thr));
      }
      const agnostic = new Set(nms(boxes, scores, classes, { iouThreshold: 0.5, classAgnostic: true }));
      expect(agnostic).toEqual(bruteForce(boxes, scores, new Int32Array(n), 0.5));
    }
  });

  it("applies score threshold and max detections in score order", () => {
    const boxes = new Float32Array([0, 0, 1, 1, 5, 5, 6, 6, 10, 10, 11, 11]);
    const scores = new Float32Array([0.2, 0.9, 0.5]);
    expect(Array.from(nms(boxes, scores, undefined, { scoreThreshold: 0.3 }))).toEqual([1, 2]);
    expect(Array.from(nms(boxes, scores, undefined, { maxDetections: 1 }))).toEqual([1]);
    expect(() => nms(boxes, new Float32Array(2), undefined)).toThrow(/expected 4 × 2/);
  });

  it("batches per image", () => {
    const img = {
      boxes: new Float32Array([0, 0, 10, 10, 1, 1, 10, 10]),
      scores: new Float32Array([0.5, 0.8]),
      classes: new Int32Array([0, 0]),
    };
    const [a, b] = batchedNms([img, { ...img, classes: new Int32Array([0, 1]) }], { iouThreshold: 0.5 });
    expect(Array.from(a!.scores)).toEqual([Math.fround(0.8)]);
    expect(b!.scores.length).toBe(2);
  });
});
