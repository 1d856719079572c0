/**
 * Stable sort of idx[0, n) by key[idx[i]] descending: equal keys keep their current order. This is what
 * pycocotools gets from `np.argsort(-scores, kind="mergesort")`. Insertion sort for short runs, then bottom-up
 * merges; `tmp` must hold at least n entries.
 */
export function stableSortDesc(idx: Int32Array, n: number, key: Float64Array, tmp: Int32Array): void {
  const RUN = 24;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = idx[i]!;
      const kv = key[v]!;
      let j = i - 1;
      while (j >= lo && key[idx[j]!]! < kv) {
        idx[j + 1] = idx[j]!;
        j--;
      }
      idx[j + 1] = v;
    }
  }
  if (n <= RUN) return;
  let src = idx;
  let dst = tmp;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let o = lo;
      while (i < mid && j < hi) {
        // take from the right run only when strictly greater: stability
        if (key[src[j]!]! > key[src[i]!]!) dst[o++] = src[j++]!;
        else dst[o++] = src[i++]!;
      }
      while (i < mid) dst[o++] = src[i++]!;
      while (j < hi) dst[o++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
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
