import { z } from "zod";
import { formatIssuePath } from "./coco-types";
import { EvalInputError, describeValue } from "./errors";
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

/** A number that is not NaN (area bounds may be Infinity). */
const notNaN = z.custom<number>((v) => typeof v === "number" && !Number.isNaN(v), {
  error: (iss) => `expected a number, got ${describeValue(iss.input)}`,
});
const numbers = (min = 0) =>
  z
    .array(notNaN, { error: (iss) => `expected an array of numbers, got ${describeValue(iss.input)}` })
    .min(min, { error: `must not be empty` });

/** zod schema of CocoParams (extra keys, e.g. numpySum, are allowed). */
export const CocoParamsSchema = z
  .looseObject({
    imgIds: numbers().optional(),
    catIds: numbers().optional(),
    iouThrs: numbers(1).optional(),
    recThrs: numbers(1).optional(),
    maxDets: z
      .array(
        z
          .number({ error: (iss) => `expected a non-negative integer, got ${describeValue(iss.input)}` })
          .int({ error: (iss) => `expected a non-negative integer, got ${describeValue(iss.input)}` })
          .min(0, { error: (iss) => `expected a non-negative integer, got ${describeValue(iss.input)}` }),
        { error: (iss) => `expected an array of non-negative integers, got ${describeValue(iss.input)}` },
      )
      .min(1, { error: "must not be empty" })
      .optional(),
    areaRng: z
      .array(
        z.tuple([notNaN, notNaN], {
          error: (iss) => `expected a [lo, hi] pair, got ${describeValue(iss.input)}`,
        }),
      )
      .min(1, { error: "must not be empty" })
      .optional(),
    areaRngLbl: z.array(z.string()).optional(),
    useCats: z.union([z.boolean(), z.literal(0), z.literal(1)]).optional(),
  })
  .refine((p) => p.areaRngLbl !== undefined || (p.areaRng ?? DEFAULT_AREA_RNG).length === 4, {
    error:
      "areaRngLbl is required when areaRng does not have 4 entries (pycocotools keeps its 4 default labels)",
    path: ["areaRngLbl"],
  })
  .refine((p) => (p.areaRngLbl ?? DEFAULT_AREA_RNG_LBL).length === (p.areaRng ?? DEFAULT_AREA_RNG).length, {
    error: "areaRngLbl must have one label per areaRng entry",
    path: ["areaRngLbl"],
  });

/**
 * Upper bound on T * R * K * A * M, the size of accumulate()'s precision and scores arrays (Float64, 8 bytes a
 * cell): 2^25 cells = 256 MiB per array. LVIS (1203 categories) needs 14.6M; a ground truth with 200,000
 * categories would need 2.4G cells (19 GB per array), which is refused with an error instead.
 */
export const MAX_PRECISION_CELLS = 2 ** 25;

/** Applies the defaults and evaluate()'s normalisation; refuses parameter sets over MAX_PRECISION_CELLS. */
export function resolveParams(gt: GroundTruth, params: CocoParams = {}): ResolvedParams {
  const r = CocoParamsSchema.safeParse(params);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new EvalInputError(issue.message, "params", formatIssuePath(issue.path), "invalid evaluation");
  }
  const p = r.data;
  const useCats = p.useCats === undefined ? true : Boolean(p.useCats);
  // Default catIds = sorted(cocoGt.getCatIds()), duplicates included; evaluate() applies np.unique only with useCats.
  const catIds = p.catIds ?? gt.categories.map((c) => c.id).sort((x, y) => x - y);
  const areaRng = p.areaRng ?? DEFAULT_AREA_RNG;
  const resolved: ResolvedParams = {
    imgIds: sortedUnique(p.imgIds ?? gt.images.map((im) => im.id)),
    catIds: useCats ? sortedUnique(catIds) : [...catIds],
    iouThrs: [...(p.iouThrs ?? DEFAULT_IOU_THRS)],
    recThrs: [...(p.recThrs ?? DEFAULT_REC_THRS)],
    maxDets: [...(p.maxDets ?? DEFAULT_MAX_DETS)].sort((x, y) => x - y),
    areaRng: areaRng.map((x) => [x[0], x[1]] as const),
    areaRngLbl: [...(p.areaRngLbl ?? DEFAULT_AREA_RNG_LBL)],
    useCats,
  };
  checkSize(resolved, gt.source);
  return resolved;
}

function checkSize(p: ResolvedParams, source: string): void {
  const K = p.useCats ? p.catIds.length : 1;
  const dims = [p.iouThrs.length, p.recThrs.length, K, p.areaRng.length, p.maxDets.length];
  const cells = dims.reduce((a, b) => a * b, 1);
  if (cells <= MAX_PRECISION_CELLS) return;
  throw new EvalInputError(
    `${K} categories x ${dims[3]} area ranges x ${dims[4]} maxDets x ${dims[0]} IoU thresholds x ${dims[1]} recall thresholds = ${cells} precision cells (${((cells * 8) / 2 ** 30).toFixed(1)} GiB per array, as pycocotools would allocate); the limit is ${MAX_PRECISION_CELLS} cells (256 MiB): evaluate fewer categories (catIds) or pool them (useCats 0, --no-cats)`,
    source,
    p.useCats ? "categories" : "params",
    "invalid evaluation of",
  );
}
