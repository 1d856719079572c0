import { pairIou, Rng } from "@kdet/core";
import { describe, expect, it } from "vitest";
import { postprocessImage } from "./postprocess";

/**
 * Brute-force oracle of greedy class-aware NMS, stated as a property of the output: over the
 * candidates sorted by score, a candidate is kept iff no earlier *kept* candidate of its class
 * overlaps it by more than the threshold — checked pair by pair on the full candidate list.
 */
function bruteForce(
  boxes: Float32Array,
  scores: Float32Array,
  C: number,
  thr: number,
  iouThr: number,
): Array<[number, number]> {
  const A = boxes.length / 4;
  const cand: Array<[number, number, number]> = [];
  for (let a = 0; a < A; a++)
    for (let c = 0; c < C; c++) if (scores[a * C + c]! >= thr) cand.push([scores[a * C + c]!, a, c]);
  cand.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  const kept: Array<[number, number]> = [];
  for (const [, a, c] of cand) {
    const suppressed = kept.some(([ka, kc]) => kc === c && pairIou(boxes, a, ka) > iouThr);
    if (!suppressed) kept.push([a, c]);
  }
  return kept;
}

describe("postprocessImage", () => {
  for (const seed of [1, 2, 3]) {
    it(`equals the brute-force greedy NMS on random clustered boxes (seed ${seed})`, () => {
      const rng = new Rng(seed);
      const A = 120,
        C = 3;
      const boxes = new Float32Array(A * 4);
      const scores = new Float32Array(A * C);
      for (let a = 0; a < A; a++) {
        const cx = 20 * rng.int(0, 5) + rng.uniform(-4, 4),
          cy = 20 * rng.int(0, 5) + rng.uniform(-4, 4);
        const w = rng.uniform(8, 30),
          h = rng.uniform(8, 30);
        boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * a);
        for (let c = 0; c < C; c++) scores[a * C + c] = rng.next() ** 2;
      }
      const out = postprocessImage(boxes, scores, C, { scoreThreshold: 0.2, iouThreshold: 0.5 });
      const ref = bruteForce(boxes, scores, C, 0.2, 0.5);
      expect(out.scores.length).toBe(ref.length);
      ref.forEach(([a, c], i) => {
        expect(out.classes[i]).toBe(c);
        expect(out.scores[i]).toBe(scores[a * C + c]);
        expect(Array.from(out.boxes.subarray(4 * i, 4 * i + 4))).toEqual(
          Array.from(boxes.subarray(4 * a, 4 * a + 4)),
        );
      });
      // class-aware: some kept pairs of different classes overlap more than the threshold
      expect(
        ref.some(([a, c], i) => ref.some(([b, d], j) => j > i && c !== d && pairIou(boxes, a, b) > 0.5)),
      ).toBe(true);
    });
  }

  it("applies maxDetections, single-label mode and clipping", () => {
    const boxes = new Float32Array([-5, -5, 10, 10, 50, 50, 70, 70, 0, 0, 100, 100]);
    const scores = new Float32Array([0.9, 0.8, 0.1, 0.3, 0.7, 0.6]);
    const single = postprocessImage(boxes, scores, 2, {
      multiLabel: false,
      scoreThreshold: 0.05,
      clipTo: { width: 64, height: 64 },
    });
    expect(Array.from(single.classes)).toEqual([0, 0, 1]);
    expect(Array.from(single.scores)).toEqual([0.9, 0.7, 0.3].map(Math.fround));
    expect(Array.from(single.boxes.subarray(0, 8))).toEqual([0, 0, 10, 10, 0, 0, 64, 64]);
    const top2 = postprocessImage(boxes, scores, 2, { maxDetections: 2, scoreThreshold: 0.05 });
    expect(Array.from(top2.scores)).toEqual([0.9, 0.8].map(Math.fround));
  });
});
