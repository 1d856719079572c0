import { linspace } from "./numpy-float";
import type { GroundTruth } from "./load";

/**
 * pycocotools' `Params` for iouType "bbox" (`setDetParams`). Every field is optional; omitted ones get the
 * pycocotools defaults.
 */
export interface CocoParams {
  /** Images to evaluate. Default: every image of the ground truth, with or without annotations. */
  imgIds?: readonly number[];
  /** Categories to evaluate. Default: the ids of the ground-truth `categories`, sorted. */
  catIds?: readonly number[];
  /** IoU thresholds. Default: np.linspace(0.5, 0.95, 10), i.e. 0.5, 0.55, ..., 0.8999999999999999, 0.95. */
  iouThrs?: readonly number[];
  /** Recall thresholds. Default: np.linspace(0, 1, 101), i.e. i * 0.01 (not i / 100). */
  recThrs?: readonly number[];
  /** Detection caps per image (per category when useCats). Default [1, 10, 100]; sorted before use. */
  maxDets?: readonly number[];
  /** Area ranges [lo, hi], inclusive at both ends. Default all / small / medium / large. */
  areaRng?: readonly (readonly [number, number])[];
  /** Labels of areaRng; summarize() looks up "all", "small", "medium", "large". */
  areaRngLbl?: readonly string[];
  /** Match per category (default true). false pools every category of an image together (K = 1). */
  useCats?: boolean | 0 | 1;
}

/** Parameters after evaluate()'s normalisation (np.unique on imgIds, and on catIds with useCats; sorted maxDets). */
export interface ResolvedParams {
  readonly imgIds: readonly number[];
  /** The K axis when useCats; with useCats = false the categories pooled, in this order (K = 1). */
  readonly catIds: readonly number[];
  readonly iouThrs: readonly number[];
  readonly recThrs: readonly number[];
  readonly maxDets: readonly number[];
  readonly areaRng: readonly (readonly [number, number])[];
  readonly areaRngLbl: readonly string[];
  readonly useCats: boolean;
}

/** The exact doubles of np.linspace(0.5, 0.95, 10); t[8] is 0.8999999999999999, not 0.9. */
export const DEFAULT_IOU_THRS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
/** np.linspace(0, 1, 101): element i is i * 0.01 in double (recThrs[70] = 0.7000000000000001). */
export const DEFAULT_REC_THRS: readonly number[] = Object.freeze(linspace(0, 1, 101));
/** Detections kept per image (per category with useCats) for the AR1 / AR10 / AR100 columns. */
export const DEFAULT_MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);
/** all, small (<= 32^2), medium, large (>= 96^2) in px^2, both ends inclusive; compared with the gt `area` field. */
export const DEFAULT_AREA_RNG: readonly (readonly [number, number])[] = Object.freeze([
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
] as const);
/** Labels of DEFAULT_AREA_RNG, as summarize() looks them up. */
export const DEFAULT_AREA_RNG_LBL: readonly string[] = Object.freeze(["all", "small", "medium", "large"]);

const sortedUnique = (a: readonly number[]): number[] => [...new Set(a)].sort((x, y) => x - y);

function checkNumbers(name: string, a: readonly number[], allowEmpty = true): void {
  if (!Array.isArray(a)) throw new TypeError(`params.${name} must be an array of numbers`);
  if (!allowEmpty && a.length === 0) throw new RangeError(`params.${name} must not be empty`);
  for (const v of a) if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`params.${name} must contain numbers only, got ${String(v)}`);
}

/** Applies the defaults and evaluate()'s normalisation. */
export function resolveParams(gt: GroundTruth, p: CocoParams = {}): ResolvedParams {
  const useCats = p.useCats === undefined ? true : Boolean(p.useCats);
  const imgIds = p.imgIds ?? [...gt.images.map((im) => im.id)];
  checkNumbers("imgIds", imgIds);
  // Default catIds = sorted(cocoGt.getCatIds()), duplicates included; evaluate() applies np.unique only with useCats.
  const catIds = p.catIds ?? gt.categories.map((c) => c.id).sort((x, y) => x - y);
  checkNumbers("catIds", catIds);
  const iouThrs = p.iouThrs ?? DEFAULT_IOU_THRS;
  checkNumbers("iouThrs", iouThrs, false);
  const recThrs = p.recThrs ?? DEFAULT_REC_THRS;
  checkNumbers("recThrs", recThrs, false);
  const maxDets = [...(p.maxDets ?? DEFAULT_MAX_DETS)].sort((x, y) => x - y);
  checkNumbers("maxDets", maxDets, false);
  for (const m of maxDets) if (!Number.isInteger(m) || m < 0) throw new RangeError(`params.maxDets must be non-negative integers, got ${m}`);
  const areaRng = p.areaRng ?? DEFAULT_AREA_RNG;
  if (!Array.isArray(areaRng) || areaRng.length === 0) throw new TypeError("params.areaRng must be a non-empty array of [lo, hi]");
  for (const r of areaRng) {
    if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== "number" || typeof r[1] !== "number") {
      throw new TypeError(`params.areaRng entries must be [lo, hi] pairs of numbers, got ${JSON.stringify(r)}`);
    }
  }
  const areaRngLbl = p.areaRngLbl ?? (p.areaRng ? areaRng.map((r, i) => (i < 4 && sameRange(r, DEFAULT_AREA_RNG[i]!) ? DEFAULT_AREA_RNG_LBL[i]! : `${r[0]}-${r[1]}`)) : DEFAULT_AREA_RNG_LBL);
  if (areaRngLbl.length !== areaRng.length) throw new RangeError("params.areaRngLbl must have one label per areaRng entry");
  return {
    imgIds: sortedUnique(imgIds),
    catIds: useCats ? sortedUnique(catIds) : [...catIds],
    iouThrs: [...iouThrs],
    recThrs: [...recThrs],
    maxDets,
    areaRng: areaRng.map((r) => [r[0], r[1]] as const),
    areaRngLbl: [...areaRngLbl],
    useCats,
  };
}

function sameRange(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] === b[0] && a[1] === b[1];
}
