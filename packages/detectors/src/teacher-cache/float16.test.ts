import { describe, expect, it } from "vitest";
import { decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from "./float16";

describe("float16", () => {
  it("encodes known values to their IEEE binary16 bit patterns", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite
      [65519, 0x7bff], // below the tie → stays finite
      [65520, 0x7c00], // tie between 65504 and 65536 → even → ∞
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie with 0 → even (0)
      [1.5 * 2 ** -25, 0x0001],
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [1 + 2 ** -11, 0x3c00], // tie → even mantissa (0)
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even mantissa (2)
    ];
    for (const [v, bits] of cases) expect(toFloat16Bits(v), String(v)).toBe(bits);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x3555)).toBe(0.333251953125);
  });

  it("rounds to the nearest half for random values (brute-force neighbour check) within 2^-11 relative", () => {
    let s = 12345;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const src = Float32Array.from({ length: 20000 }, (_, i) => rnd() * 10 ** ((i % 9) - 5));
    const bits = encodeFloat16(src);
    const back = decodeFloat16(bits);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      const err = Math.abs(back[i]! - v);
      // no other half is closer: the neighbouring bit patterns (same sign) are at least as far
      for (const nb of [bits[i]! - 1, bits[i]! + 1]) {
        if ((nb & 0x7fff) === 0x7fff || nb < 0 || (nb & 0x7c00) === 0x7c00 || (nb ^ bits[i]!) & 0x8000)
          continue;
        expect(Math.abs(fromFloat16Bits(nb) - v)).toBeGreaterThanOrEqual(err);
      }
      if (Math.abs(v) >= 2 ** -14) expect(err / Math.abs(v)).toBeLessThanOrEqual(2 ** -11);
    }
  });
});
