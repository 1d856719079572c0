/**
 * Ground-truth context shared by the box-using relation losses (`ckd`, `rdkd`): the
 * per-image boxes and the padded input size, with errors that name the loss and the field.
 * Internal module: not exported from the package index.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { LossContext } from "../types";

/** `ctx.boxes` (one flat `n*4` xyxy Float32Array per image, input pixels) for a batch of `n`. */
export function requireBoxes(op: string, ctx: LossContext | undefined, n: number): Float32Array[] {
  const boxes = ctx?.boxes;
  if (!boxes || boxes.length !== n)
    throw new Error(
      `${op}: ctx.boxes must hold one xyxy Float32Array per image (${n}), got ${boxes ? boxes.length : "none"}`,
    );
  return boxes;
}

/**
 * The padded input size `[h, w]`: `ctx.imageSize`, else (one level only) `ctx.stride` × the map
 * size of `level`.
 */
export function requireImageSize(
  op: string,
  ctx: LossContext | undefined,
  levels: readonly tf.Tensor[],
): [number, number] {
  if (ctx?.imageSize) return ctx.imageSize;
  if (ctx?.stride && levels.length === 1)
    return [levels[0]!.shape[1]! * ctx.stride, levels[0]!.shape[2]! * ctx.stride];
  throw new Error(`${op}: ctx.imageSize (padded input [h, w]) is required (or ctx.stride for one level)`);
}
