/**
 * Stable sort of idx[0, n) by key[idx[i]] descending: equal keys keep their current order. This is what
 * pycocotools gets from `np.argsort(-scores, kind="mergesort")`. Insertion sort for short lists, an LSD radix sort
 * on the IEEE-754 bits (8 passes of 8 bits, stable by construction) for long ones. -0 sorts as 0; keys must not
 * be NaN. `tmp` must hold at least n entries.
 */
export function stableSortDesc(idx: Int32Array, n: number, key: Float64Array, tmp: Int32Array): void {
  if (n <= 48) insertionSortDesc(idx, n, key);
  else radixSortDesc(idx, n, key, tmp);
}

function insertionSortDesc(idx: Int32Array, n: number, key: Float64Array): void {
  for (let i = 1; i < n; i++) {
    const v = idx[i]!;
    const kv = key[v]!;
    let j = i - 1;
    while (j >= 0 && key[idx[j]!]! < kv) {
      idx[j + 1] = idx[j]!;
      j--;
    }
    idx[j + 1] = v;
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;

function radixSortDesc(idx: Int32Array, n: number, key: Float64Array, tmp: Int32Array): void {
  // orderable unsigned 64-bit image of each key (hi, lo words), complemented so that ascending = descending key
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    f64[0] = key[idx[i]!]! + 0; // -0 -> +0
    let h = u32[HI]!;
    let l = u32[LO]!;
    if (h >>> 31 === 1) {
      h = ~h;
      l = ~l;
    } else h |= 0x80000000;
    hi[i] = ~h >>> 0;
    lo[i] = ~l >>> 0;
  }
  let src = idx;
  let dst = tmp;
  const count = new Int32Array(256);
  for (let pass = 0; pass < 8; pass++) {
    const word = pass < 4 ? lo : hi;
    const shift = (pass & 3) * 8;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i]! >>> shift) & 255]!++;
    if (count[(word[0]! >>> shift) & 255] === n) continue; // every key has the same digit
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const p = count[(word[i]! >>> shift) & 255]!++;
      dst[p] = src[i]!;
      hi2[p] = hi[i]!;
      lo2[p] = lo[i]!;
    }
    [src, dst] = [dst, src];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  if (src !== idx) idx.set(src.subarray(0, n));
}

/**
 * Stable counting sort: returns `perm` reordered by bucket[perm[i]] ascending (0 <= bucket < nBuckets),
 * keeping the current order inside a bucket.
 */
export function countingSortBy(perm: Int32Array, bucket: Int32Array, nBuckets: number): Int32Array {
  const count = new Int32Array(nBuckets + 1);
  const n = perm.length;
  for (let i = 0; i < n; i++) count[bucket[perm[i]!]! + 1]!++;
  for (let b = 0; b < nBuckets; b++) count[b + 1]! += count[b]!;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    out[count[bucket[p]!]!++] = p;
  }
  return out;
}
