import { describe, expect, it } from "vitest";
import { DEFAULT_IOU_THRS, DEFAULT_REC_THRS } from "./coco-params";
import { pyFixed } from "./format";
import { linspace, npSum, pairwiseSum } from "./numpy-float";
import { stableSortDesc } from "./sort";

/** Python: x = (x * 1103515245 + 12345) % 2**31; value = x / 2**31 * 10.0**(x % 7 - 3). */
function gen(n: number, seed: number): number[] {
  const pow = [0.001, 0.01, 0.1, 1, 10, 100, 1000];
  let x = BigInt(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245n + 12345n) % 2147483648n;
    out.push((Number(x) / 2147483648) * pow[Number(x % 7n)]!);
  }
  return out;
}

describe("numpy float semantics", () => {
  it("np.sum (numpy 2.4.6, pairwise, no chunking) bit for bit", () => {
    // [n, float(np.sum(np.array(gen(n, n + 1))))] computed with numpy 2.4.6
    const ref: [number, number][] = [
      [0, 0.0],
      [1, 0.002773440768942237],
      [5, 423.86766384821385],
      [7, 1741.95516074216],
      [8, 743.6919997461537],
      [9, 343.25045000449524],
      [15, 799.5845732126073],
      [16, 2987.6028149735475],
      [17, 2971.890928353223],
      [100, 7345.638703116099],
      [128, 9071.41486943586],
      [129, 16368.376911508543],
      [255, 18325.233879147225],
      [1000, 66670.88498050676],
      [8192, 651750.9940214898],
      [8193, 654179.671784984],
      [9000, 712347.0426839578],
      [20000, 1652392.5211461317],
      [100001, 7865680.172688305],
    ];
    for (const [n, want] of ref) {
      const a = Float64Array.from(gen(n, n + 1));
      expect(npSum(a, n, "numpy>=2.3"), `n = ${n}`).toBe(want);
    }
  });

  it("numpy < 2.3 sums chunks of 8192 sequentially; equal to >= 2.3 up to 8192 elements", () => {
    const a = Float64Array.from(gen(20000, 7));
    expect(npSum(a, 8192, "numpy<2.3")).toBe(npSum(a, 8192, "numpy>=2.3"));
    const chunked =
      0 + pairwiseSum(a, 0, 8192) + pairwiseSum(a, 8192, 8192) + pairwiseSum(a, 16384, 20000 - 16384);
    expect(npSum(a, 20000, "numpy<2.3")).toBe(chunked);
  });

  it("linspace reproduces np.linspace: iouThrs[8] = 0.8999999999999999, recThrs[i] = i * 0.01", () => {
    expect(DEFAULT_IOU_THRS).toStrictEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95,
    ]);
    expect(DEFAULT_REC_THRS.length).toBe(101);
    DEFAULT_REC_THRS.slice(0, 100).forEach((v, i) => expect(v).toBe(i * 0.01));
    expect(DEFAULT_REC_THRS[100]).toBe(1);
    expect(DEFAULT_REC_THRS[70]).toBe(0.7000000000000001);
    expect(DEFAULT_REC_THRS[35]).toBe(0.35000000000000003);
    expect(linspace(0, 1, 1)).toStrictEqual([0]);
    expect(linspace(2, 2, 3)).toStrictEqual([2, 2, 2]);
  });

  it("Python '{:0.Nf}' formatting: exact ties round half to even", () => {
    // values printed by CPython 3.11
    const cases: [number, string, string][] = [
      [0.0625, "0.062", "0.06"],
      [0.1875, "0.188", "0.19"],
      [0.3125, "0.312", "0.31"],
      [0.0005, "0.001", "0.00"],
      [0.9995, "1.000", "1.00"],
      [-1, "-1.000", "-1.00"],
      [0.5, "0.500", "0.50"],
      [1 / 3, "0.333", "0.33"],
      [2 / 3, "0.667", "0.67"],
      [0.6875, "0.688", "0.69"],
    ];
    for (const [x, three, two] of cases) {
      expect(pyFixed(x, 3), String(x)).toBe(three);
      expect(pyFixed(x, 2), String(x)).toBe(two);
    }
    expect(pyFixed(-0, 3)).toBe("-0.000");
  });

  it("stable descending sort keeps the order of equal keys", () => {
    const key = Float64Array.from(gen(500, 3).map((v) => Math.round(v * 3) / 3));
    const idx = new Int32Array(500).map((_, i) => i);
    stableSortDesc(idx, 500, key, new Int32Array(500));
    const ref = [...Array(500).keys()].sort((a, b) => key[b]! - key[a]! || a - b);
    expect([...idx]).toStrictEqual(ref);
  });
});

describe("stable descending sort on long lists (radix path)", () => {
  it("matches a comparison sort, with ties, negative values, -0 and huge / tiny magnitudes", () => {
    for (const n of [49, 300, 5000]) {
      const vals = gen(n, n).map((v, i) =>
        i % 7 === 0
          ? -v
          : i % 11 === 0
            ? 0
            : i % 13 === 0
              ? -0
              : i % 17 === 0
                ? v * 1e300
                : i % 19 === 0
                  ? v * 1e-300
                  : Math.round(v * 4) / 4,
      );
      const key = Float64Array.from(vals);
      const idx = new Int32Array(n).map((_, i) => i);
      stableSortDesc(idx, n, key, new Int32Array(n));
      const ref = [...Array(n).keys()].sort((a, b) => key[b]! - key[a]! || a - b);
      expect([...idx]).toStrictEqual(ref);
    }
  });
});
