import { describe, expect, it } from "vitest";
import { createRng, hashSeed, mix32, shuffledIndices } from "./rng";

describe("rng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(createRng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(createRng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(createRng(43)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("is roughly uniform: mean ≈ 1/2, variance ≈ 1/12, every decile hit ≈ 10 %", () => {
    const r = createRng(7);
    const n = 100_000;
    const bins = new Array(10).fill(0);
    let s = 0,
      s2 = 0,
      outside = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      if (!(x >= 0 && x < 1)) outside++;
      s += x;
      s2 += x * x;
      bins[Math.floor(x * 10)]++;
    }
    expect(outside).toBe(0);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12)).toBeLessThan(0.002);
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.006);
  });

  it("int(n) covers 0..n-1 only; fork does not advance the parent and is deterministic", () => {
    const r = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const p = createRng(9),
      q = createRng(9);
    p.fork(3);
    expect(p.next()).toBe(q.next());
    expect(createRng(9).fork(3).next()).toBe(createRng(9).fork(3).next());
    expect(createRng(9).fork(3).next()).not.toBe(createRng(9).fork(4).next());
  });

  it("shuffledIndices is a permutation, seed-stable", () => {
    const p = shuffledIndices(1000, createRng(5));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, createRng(5))).toEqual(p);
    expect(shuffledIndices(1000, createRng(6))).not.toEqual(p);
  });

  it("hashSeed depends on order and every part; mix32 is a bijection on a sample", () => {
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    expect(hashSeed(1, 2, 3)).not.toBe(hashSeed(1, 2, 4));
    const outs = new Set<number>();
    for (let i = 0; i < 50_000; i++) outs.add(mix32(i));
    expect(outs.size).toBe(50_000);
  });
});
