import { Rng } from "@kdet/core";
import { describe, expect, it } from "vitest";
import { dataRng, randomSample } from "./roi-sampler";

/** `pos` positives (gt 0), `neg` background (−1), `ign` ignored (−2), interleaved. */
function assignment(pos: number, neg: number, ign: number): Int32Array {
  const codes = [...Array(pos).fill(0), ...Array(neg).fill(-1), ...Array(ign).fill(-2)];
  return Int32Array.from(new Rng(1).shuffle(codes));
}

describe("randomSample (mmdet RandomSampler)", () => {
  it("takes ⌊num·posFraction⌋ positives when there are more, fills up with negatives, never ignored ones", () => {
    const a = assignment(300, 1000, 50);
    const s = randomSample(a, { num: 256, posFraction: 0.5 }, new Rng(2));
    expect(s.pos.length).toBe(128);
    expect(s.neg.length).toBe(128);
    expect(s.pos.every((i) => a[i]! >= 0)).toBe(true);
    expect(s.neg.every((i) => a[i] === -1)).toBe(true);
    expect(new Set([...s.pos, ...s.neg]).size).toBe(256);
    expect(s.pos).toEqual([...s.pos].sort((x, y) => x - y));
  });

  it("few positives: all of them, and negatives for the rest of the budget; few of both: everything", () => {
    const s = randomSample(assignment(10, 1000, 5), { num: 512, posFraction: 0.25 }, new Rng(2));
    expect([s.pos.length, s.neg.length]).toEqual([10, 502]);
    const t = randomSample(assignment(5, 20, 5), { num: 512, posFraction: 0.25 }, new Rng(2));
    expect([t.pos.length, t.neg.length]).toEqual([5, 20]);
  });

  it("draws uniformly: each of 300 positives is chosen about 128/300 of the time", () => {
    const a = assignment(300, 0, 0);
    const hits = new Float64Array(a.length);
    const rng = new Rng(9);
    for (let k = 0; k < 400; k++)
      for (const i of randomSample(a, { num: 256, posFraction: 0.5 }, rng).pos) hits[i]!++;
    const p = 128 / 300;
    // binomial(400, 0.427): sd ≈ 9.9; every count within 5 sd of 171
    for (const h of hits) expect(Math.abs(h - 400 * p)).toBeLessThan(50);
  });
});

describe("dataRng", () => {
  it("same data → same draws; a changed value → different draws", () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([1, 2, 3, 4.5]);
    const seq = (r: Rng) => [r.next(), r.next(), r.next()];
    expect(seq(dataRng(0, [a]))).toEqual(seq(dataRng(0, [Float32Array.from(a)])));
    expect(seq(dataRng(0, [a]))).not.toEqual(seq(dataRng(0, [b])));
    expect(seq(dataRng(0, [a]))).not.toEqual(seq(dataRng(1, [a])));
  });
});
