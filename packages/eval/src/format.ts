/**
 * Python's `'{:0.Nf}'.format(x)`: the exact binary value correctly rounded to N decimals, ties to even.
 * (JS toFixed rounds exact ties away from zero: 0.0625.toFixed(3) is "0.063", Python gives "0.062".)
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  let s = x.toFixed(digits);
  // An exact tie needs x * 2^(digits+1) to be an odd integer: x = (2j + 1) / (2 * 10^digits) must be dyadic.
  const p = Math.abs(x) * 2 ** (digits + 1);
  if (Number.isInteger(p) && p % 2 === 1 && p < 2 ** 53) {
    const scaled = Math.abs(x) * 10 ** digits; // exact: |x| * 10^d = p * 5^d / 2 is a small multiple of 1/2
    const down = Math.floor(scaled);
    const k = down % 2 === 0 ? down : down + 1;
    const str = k.toString().padStart(digits + 1, "0");
    const body = digits > 0 ? `${str.slice(0, str.length - digits)}.${str.slice(str.length - digits)}` : str;
    s = (x < 0 ? "-" : "") + body;
  }
  // Python keeps the sign of negative zero ("-0.000"); toFixed drops it.
  return Object.is(x, -0) ? `-${s}` : s;
}

/** Python's `'{:<w}'` for strings. */
export const padRight = (s: string, w: number): string => (s.length >= w ? s : s + " ".repeat(w - s.length));
/** Python's `'{:>w}'` for strings. */
export const padLeft = (s: string, w: number): string => (s.length >= w ? s : " ".repeat(w - s.length) + s);
