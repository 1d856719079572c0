import { nms } from "@kdet/core";
import type { DeltaCoderOptions } from "./delta-coder";

/** Proposal settings (mmdet `rpn_proposal` / `test_cfg.rpn`). */
export interface ProposalOptions {
  /** Best-scoring anchors kept per level before NMS (mmdet `nms_pre`: 2000 training, 1000 testing). */
  preNms: number;
  /** Proposals kept per image after NMS (mmdet `max_per_img`: 1000). */
  postNms: number;
  /** NMS IoU threshold (mmdet `nms.iou_threshold` 0.7). */
  iouThreshold?: number;
  /** Boxes with width or height ≤ this are dropped (mmdet `min_bbox_size` 0). */
  minSize?: number;
}

/** Proposals of one image, best first: xyxy boxes `[P·4]` in input pixels and objectness probabilities `[P]`. */
export interface Proposals {
  boxes: Float32Array;
  scores: Float32Array;
}

/**
 * Decodes one delta quadruple against box `a` of `anchors` (flat xyxy) as mmdet `delta2bbox`
 * (`DeltaXYWHBBoxCoder.decode`): d = d'·stds + means, |dw|, |dh| ≤ |log(whRatioClip)|, centre = p + (pw, ph)·(dx, dy),
 * size = (pw, ph)·exp(dw, dh); with `maxShape` [H, W] x is clamped to [0, W] and y to [0, H]. Writes xyxy at `out[o…o+4)`.
 */
export function decodeDelta(
  anchors: ArrayLike<number>,
  a: number,
  deltas: ArrayLike<number>,
  d: number,
  out: Float32Array,
  o: number,
  opts: DeltaCoderOptions = {},
  maxShape?: readonly [number, number],
): void {
  const means = opts.means ?? [0, 0, 0, 0];
  const stds = opts.stds ?? [1, 1, 1, 1];
  const maxRatio = Math.abs(Math.log(opts.whRatioClip ?? 16 / 1000));
  const clampR = (v: number) => Math.min(Math.max(v, -maxRatio), maxRatio);
  const x1 = anchors[4 * a] as number,
    y1 = anchors[4 * a + 1] as number,
    x2 = anchors[4 * a + 2] as number,
    y2 = anchors[4 * a + 3] as number;
  const dx = (deltas[4 * d] as number) * stds[0] + means[0];
  const dy = (deltas[4 * d + 1] as number) * stds[1] + means[1];
  const dw = clampR((deltas[4 * d + 2] as number) * stds[2] + means[2]);
  const dh = clampR((deltas[4 * d + 3] as number) * stds[3] + means[3]);
  const pw = x2 - x1,
    ph = y2 - y1;
  const cx = (x1 + x2) / 2 + pw * dx,
    cy = (y1 + y2) / 2 + ph * dy;
  const w = pw * Math.exp(dw),
    h = ph * Math.exp(dh);
  const box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  for (let k = 0; k < 4; k++) {
    let v = box[k] as number;
    if (maxShape) v = Math.min(Math.max(v, 0), k % 2 === 0 ? maxShape[1] : maxShape[0]);
    out[o + k] = v;
  }
}

/**
 * RPN proposals of one image, as mmdet `RPNHead._predict_by_feat_single` + `_bbox_post_process`:
 * per level, the `preNms` anchors of highest objectness σ(logit) (all when fewer); their deltas decoded against the
 * anchors (stds 1, clipped to `maxShape` [H, W]); boxes with w or h ≤ `minSize` dropped; NMS at `iouThreshold`
 * run per level (mmcv `batched_nms` with the level as class; IoU without +1, candidates visited by logit, i.e. by
 * score); the best `postNms` kept, by score.
 * Layout per level l: `logits[l]` `[h·w·A]` and `deltas[l]` `[h·w·A·4]` in NHWC anchor-major order, `anchors[l]`
 * the matching xyxy anchors `[h·w·A·4]`. Plain arrays, no tensors.
 */
export function rpnProposals(
  logits: readonly ArrayLike<number>[],
  deltas: readonly ArrayLike<number>[],
  anchors: readonly ArrayLike<number>[],
  maxShape: readonly [number, number],
  opts: ProposalOptions,
): Proposals {
  const { preNms, postNms, iouThreshold = 0.7, minSize = 0 } = opts;
  const boxes: number[] = [];
  const logitsKept: number[] = [];
  const levelIds: number[] = [];
  const tmp = new Float32Array(4);
  logits.forEach((lg, l) => {
    const n = lg.length;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((i, j) => (lg[j] as number) - (lg[i] as number) || i - j);
    if (order.length > preNms) order.length = preNms;
    for (const i of order) {
      decodeDelta(
        anchors[l] as ArrayLike<number>,
        i,
        deltas[l] as ArrayLike<number>,
        i,
        tmp,
        0,
        {},
        maxShape,
      );
      if (
        !(
          (tmp[2] as number) - (tmp[0] as number) > minSize &&
          (tmp[3] as number) - (tmp[1] as number) > minSize
        )
      )
        continue;
      boxes.push(...tmp);
      logitsKept.push(lg[i] as number);
      levelIds.push(l);
    }
  });
  // NMS visits by logit: the order of σ(logit), without the ties σ saturates into (σ = 1 beyond logit ≈ 17 in float32)
  const keep = nms(boxes, logitsKept, levelIds, { iouThreshold, maxDetections: postNms });
  const out: Proposals = { boxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length) };
  keep.forEach((k, i) => {
    for (let c = 0; c < 4; c++) out.boxes[4 * i + c] = boxes[4 * k + c] as number;
    out.scores[i] = 1 / (1 + Math.exp(-(logitsKept[k] as number)));
  });
  return out;
}
