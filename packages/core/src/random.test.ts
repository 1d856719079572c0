import { expect, it } from "vitest";
import { Rng } from "./random";

it("is deterministic per seed and differs across seeds", () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43);
  const sa = Array.from({ length: 100 }, () => a.nextU32());
  expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(sa);
  expect(Array.from({ length: 100 }, () => c.nextU32())).not.toEqual(sa);
});

it("has the right first two moments", () => {
  const r = new Rng(7);
  const n = 200_000;
  let su = 0,
    sn = 0,
    sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    expect(u >= 0 && u < 1).toBe(true);
    su += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
  expect(Math.abs(sn / n)).toBeLessThan(0.01);
  expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.02);
});

it("shuffles into a permutation and ints stay in range", () => {
  const r = new Rng(1);
  const s = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
  expect([...s].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(s).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  for (let i = 0; i < 1000; i++) {
    const k = r.int(-3, 4);
    expect(k >= -3 && k < 4 && Number.isInteger(k)).toBe(true);
  }
  expect(() => new Rng(Number.NaN)).toThrow(/seed/);
});
