/**
 * How much of each pyramid level the ground-truth masks of the masked distillation methods cover: the fraction of
 * cells a method treats as foreground, and how often the foreground fills a whole map (its background term is then
 * empty). On small inputs the coarse levels have a few cells and a box marks most of them.
 */
import { defeatGtMasks, fgdMasks, fsdMasks } from "@kdet/losses";

/** One pyramid level: its map size and stride (input pixels per cell). */
export interface CoverageLevel {
  name: string;
  h: number;
  w: number;
  stride: number;
}

/**
 * The mask families: `fgd` — FGD's box fill (cells ⌊x1/s⌋…⌈x2/s⌉ inclusive, every box on every level), which is
 * also RDKD's default `box` mask; `fsd` — FSD's fill plus its Gaussian halo (the authors' `fg_bgLoss`); `defeat` —
 * DeFeat's mask, each box on one level by size (mmdet's RoI rule, also RDKD's `assigned` mask and the level CKD
 * pools an object on).
 */
export const MASK_FAMILIES = ["fgd", "fsd", "defeat"] as const;
/** A mask family (see {@link MASK_FAMILIES}). */
export type MaskFamily = (typeof MASK_FAMILIES)[number];

/** Coverage of one family, per level (same order as the levels given). */
export interface MaskCoverage {
  /** Mean over the images of the fraction of cells with a foreground value > 0. */
  foreground: number[];
  /** Fraction of the images whose foreground covers every cell of the level (no background left). */
  full: number[];
}

/**
 * Coverage of every mask family on `levels` for a batch: `boxes[i]` are image i's boxes (flat xyxy, input pixels),
 * `imageSize` the padded input `[h, w]` (the size the trainer hands to the losses). Images without a box count with
 * coverage 0.
 */
export function maskCoverage(
  boxes: ReadonlyArray<ArrayLike<number>>,
  imageSize: readonly [number, number],
  levels: readonly CoverageLevel[],
): Record<MaskFamily, MaskCoverage> {
  const n = boxes.length;
  if (n === 0) throw new Error("maskCoverage: no images");
  const perImage: Record<MaskFamily, (b: ArrayLike<number>) => ArrayLike<number>[]> = {
    fgd: (b) => levels.map((l) => fgdMasks(b, l.h, l.w, imageSize).fg),
    fsd: (b) => levels.map((l) => fsdMasks(b, l.h, l.w, imageSize).fg),
    defeat: (b) =>
      defeatGtMasks(
        b,
        levels.map((l) => [l.h, l.w] as const),
        levels.map((l) => l.stride),
      ),
  };
  const out = {} as Record<MaskFamily, MaskCoverage>;
  for (const family of MASK_FAMILIES) {
    const fg = levels.map(() => 0);
    const full = levels.map(() => 0);
    for (const b of boxes) {
      perImage[family](b).forEach((m, l) => {
        let on = 0;
        for (let k = 0; k < m.length; k++) if ((m[k] as number) > 0) on++;
        fg[l]! += on / m.length / n;
        if (on === m.length) full[l]! += 1 / n;
      });
    }
    out[family] = { foreground: fg, full };
  }
  return out;
}
