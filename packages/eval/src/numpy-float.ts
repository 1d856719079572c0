/**
 * The few numpy floating-point behaviours pycocotools' numbers depend on, reproduced exactly.
 */

/** numpy.spacing(1) = 2^-52, the ε pycocotools adds to the precision denominator. */
export const NP_SPACING_1 = 2.220446049250313e-16;

/**
 * numpy.linspace(start, stop, num) for float64, endpoint=True: element i is `i * step + start` with
 * `step = (stop - start) / (num - 1)`, and the last element is forced to `stop`.
 * (When step is 0 numpy divides first, then multiplies; reproduced too.)
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (!Number.isInteger(num) || num < 0)
    throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  const div = num - 1;
  const delta = stop - start;
  const out: number[] = new Array<number>(num);
  const step = div > 0 ? delta / div : NaN;
  for (let i = 0; i < num; i++) {
    out[i] =
      div > 0 && step !== 0 ? i * step + start : div > 0 ? (i / div) * delta + start : i * delta + start;
  }
  if (num > 1) out[num - 1] = stop;
  return out;
}

const PW_BLOCKSIZE = 128;

/**
 * numpy's pairwise summation of a[lo, lo + n) (`pairwise_sum` in numpy's loops_utils): sequential below 8
 * elements, eight interleaved partial sums up to 128 elements, recursive halving (rounded down to a multiple of
 * 8) above.
 */
export function pairwiseSum(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i]!;
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[lo]!;
    let r1 = a[lo + 1]!;
    let r2 = a[lo + 2]!;
    let r3 = a[lo + 3]!;
    let r4 = a[lo + 4]!;
    let r5 = a[lo + 5]!;
    let r6 = a[lo + 6]!;
    let r7 = a[lo + 7]!;
    const end8 = n - (n % 8);
    let i = 8;
    for (; i < end8; i += 8) {
      const b = lo + i;
      r0 += a[b]!;
      r1 += a[b + 1]!;
      r2 += a[b + 2]!;
      r3 += a[b + 3]!;
      r4 += a[b + 4]!;
      r5 += a[b + 5]!;
      r6 += a[b + 6]!;
      r7 += a[b + 7]!;
    }
    // prettier-ignore
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[lo + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

/**
 * Which numpy `np.sum` / `np.mean` to reproduce for a contiguous float64 array.
 * - "numpy>=2.3" (default): one pairwise sum over the whole array (numpy 2.3 changed the iterator, gh-27883).
 * - "numpy<2.3": the reduction runs over buffers of 8192 elements; the pairwise sums of the chunks are added
 *   sequentially to 0.0.
 * They differ (by an ulp or two) only for arrays longer than 8192 elements.
 */
export type NumpySum = "numpy>=2.3" | "numpy<2.3";

const NUMPY_BUFSIZE = 8192;

/** `np.sum(a[0:n])` for a contiguous float64 array. */
export function npSum(a: ArrayLike<number>, n: number = a.length, mode: NumpySum = "numpy>=2.3"): number {
  if (mode === "numpy>=2.3" || n <= NUMPY_BUFSIZE) return 0 + pairwiseSum(a, 0, n);
  let s = 0;
  for (let lo = 0; lo < n; lo += NUMPY_BUFSIZE) s += pairwiseSum(a, lo, Math.min(NUMPY_BUFSIZE, n - lo));
  return s;
}

/** `np.mean(a[0:n])` for a contiguous float64 array (NaN for n = 0, like numpy). */
export function npMean(a: ArrayLike<number>, n: number = a.length, mode: NumpySum = "numpy>=2.3"): number {
  return npSum(a, n, mode) / n;
}
