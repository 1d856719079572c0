import { Rng } from "@kdet/core";

/** Random sampling settings (mmdet `RandomSampler`). */
export interface SamplerOptions {
  /** Samples per image (mmdet `num`: RPN 256, R-CNN 512). */
  num: number;
  /** Largest share of positives (mmdet `pos_fraction`: RPN 0.5, R-CNN 0.25). */
  posFraction: number;
}

/** Sampled indices of one image: positives first, then negatives. */
export interface Sampled {
  pos: number[];
  neg: number[];
}

/**
 * mmdet `RandomSampler.sample` (neg_pos_ub −1): of the candidates assigned a gt (`assigned[i] ≥ 0`) at most
 * ⌊num·posFraction⌋ chosen uniformly without replacement, then `num` − #pos of the background ones
 * (`assigned[i] === −1`; ignored ones, −2, never), uniformly without replacement. Chosen indices ascend.
 */
export function randomSample(assigned: Int32Array, opts: SamplerOptions, rng: Rng): Sampled {
  const posAll: number[] = [];
  const negAll: number[] = [];
  assigned.forEach((a, i) => {
    if (a >= 0) posAll.push(i);
    else if (a === -1) negAll.push(i);
  });
  const pos = choose(posAll, Math.floor(opts.num * opts.posFraction), rng);
  const neg = choose(negAll, opts.num - pos.length, rng);
  return { pos, neg };
}

/** `k` of `items` uniformly without replacement (partial Fisher–Yates), ascending; all when k ≥ |items|. */
function choose(items: number[], k: number, rng: Rng): number[] {
  if (k >= items.length) return items;
  const a = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (a.length - i));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

/**
 * A sampling RNG drawn from the data it samples (FNV-1a over `seed` and the float32 bits of `arrays`): the
 * same image, boxes and proposals always sample the same subset, so a step is reproducible and a resumed run
 * continues bit-exactly without storing sampler state, while changed inputs (augmentation, new weights) resample.
 */
export function dataRng(seed: number, arrays: readonly ArrayLike<number>[]): Rng {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (const arr of arrays) {
    const n = arr.length;
    // every value of short arrays, a strided subset of long ones (proposals): cheap, still data-dependent
    const step = Math.max(1, Math.floor(n / 4096));
    for (let i = 0; i < n; i += step) {
      f[0] = arr[i] as number;
      h = Math.imul(h ^ (u[0] as number), 0x01000193) >>> 0;
    }
    h = Math.imul(h ^ n, 0x01000193) >>> 0;
  }
  return new Rng(h);
}
