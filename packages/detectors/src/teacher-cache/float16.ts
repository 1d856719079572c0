/**
 * IEEE 754 binary16 ("half") encoding of float32 arrays, for the compact teacher cache (Node 20 has no
 * `Float16Array`). Layout of a half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; normal numbers
 * `(−1)^s·(1 + m/1024)·2^(e−15)`, subnormals `(−1)^s·m·2^−24`, largest finite 65504.
 * Encoding rounds to nearest, ties to even (as numpy's `astype(float16)` / the IEEE default), overflows to ±∞ and
 * keeps NaN; for normal-range values (|x| ≥ 2^−14) the relative error is ≤ 2^−11 ≈ 4.9e−4.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Largest finite float16 value. */
export const FLOAT16_MAX = 65504;

/** Bits of the float16 nearest to `v` (round to nearest, ties to even). */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // ±∞, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → ±∞
  if (e <= 0) {
    // subnormal half: m = (1.mant)·2^(e−14) in units of 2^−24
    if (e < -10) return sign; // below half of the smallest subnormal → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is the correct next binade (or ∞)
  return sign | h;
}

/** The value of float16 bits `h`. */
export function fromFloat16Bits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

let table: Float32Array | undefined;
/** All 65 536 half values as float32 (built once, 256 KB). */
function decodeTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromFloat16Bits(h);
  }
  return table;
}

/** Encodes `src` into `dst` (same length) as float16 bits. */
export function encodeFloat16(
  src: Float32Array,
  dst: Uint16Array = new Uint16Array(src.length),
): Uint16Array {
  if (dst.length !== src.length)
    throw new Error(`encodeFloat16: ${src.length} values into ${dst.length} slots`);
  for (let i = 0; i < src.length; i++) dst[i] = toFloat16Bits(src[i]!);
  return dst;
}

/** Decodes float16 bits into float32 (exact: every half is a float32). */
export function decodeFloat16(
  src: Uint16Array,
  dst: Float32Array = new Float32Array(src.length),
): Float32Array {
  if (dst.length !== src.length)
    throw new Error(`decodeFloat16: ${src.length} values into ${dst.length} slots`);
  const t = decodeTable();
  for (let i = 0; i < src.length; i++) dst[i] = t[src[i]!]!;
  return dst;
}
