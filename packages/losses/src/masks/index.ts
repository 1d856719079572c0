/**
 * Masks shared by the feature-imitation losses. All are built on the CPU per image as row-major
 * typed arrays (`[H·W]`, or `[classes·H·W]`); boxes are `xyxy` in absolute input pixels.
 */
export { type FgdMasks, fgdMasks } from "./fgd-mask";
export { defeatLevel, defeatLevels } from "./level-assign";
export { defeatGtMasks } from "./defeat-mask";
export { DEFEAT_GAUSSIAN_STRIDES, gaussianMasks } from "./gaussian-mask";
export {
  type CenterHeatmap,
  centernetHeatmap,
  gaussian2D,
  gaussianRadius,
  pasteGaussian,
} from "./centernet-heatmap";
export { fgfiMask, generateAnchors, unpadGtRows } from "./fgfi-mask";
export { batchMask } from "./batch";
