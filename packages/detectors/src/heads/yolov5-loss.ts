import * as tf from "@tensorflow/tfjs-core";
import { boxIouAligned } from "@kdet/core";
import { bceWithLogits } from "./bce";
import { flattenLevels, levelShapes } from "./flatten";
import type { DetectionLoss, DetectionTargets, HeadOutput } from "./types";

/** The default YOLOv5 anchors (w, h) in input pixels, 3 per level P3/8, P4/16, P5/32 (ultralytics/yolov5 `models/yolov5s.yaml`). */
export const YOLOV5_ANCHORS: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [
    [10, 13],
    [16, 30],
    [33, 23],
  ],
  [
    [30, 61],
    [62, 45],
    [59, 119],
  ],
  [
    [116, 90],
    [156, 198],
    [373, 326],
  ],
];

/** Options of {@link yolov5Loss} (ultralytics/yolov5 `data/hyps/hyp.scratch-low.yaml` defaults). */
export interface Yolov5LossOptions {
  /** Largest allowed width or height ratio between a gt and an anchor (`anchor_t`, default 4). */
  anchorT?: number;
  /** Box gain before scaling (`box`, default 0.05). */
  box?: number;
  /** Objectness gain before scaling (`obj`, default 1). */
  obj?: number;
  /** Classification gain before scaling (`cls`, default 0.5). */
  cls?: number;
  /** Objectness weight per level (default [4, 1, 0.4] for 3 levels, as `ComputeLoss.balance`). */
  balance?: readonly number[];
  /** Training image size of the obj gain (`--img`; default: the larger side of the batch's input). */
  imgSize?: number;
}

/** One positive of the YOLOv5 assignment. */
export interface Yolov5Positive {
  level: number;
  image: number;
  anchor: number;
  /** Cell column and row (clamped into the map). */
  gi: number;
  gj: number;
  /** Target (x, y, w, h) in grid units of the level, centre relative to the cell's corner (may be in −0.5…1.5). */
  box: [number, number, number, number];
  cls: number;
}

/**
 * YOLOv5 target assignment (ultralytics/yolov5 `utils/loss.py` `ComputeLoss.build_targets`, v7.0), per level of
 * size h×w at stride s with anchors a_k (pixels): every gt (centre c and size wh in grid units = pixels / s) is
 * matched to anchor k when max(r, 1/r) < `anchorT` for both r = wh / (a_k / s); each match yields its own cell
 * ⌊c⌋ plus, with g = 0.5, the left cell when c_x mod 1 < g and c_x > 1, the upper when c_y mod 1 < g and c_y > 1,
 * the right when (w − c_x) mod 1 < g and w − c_x > 1, the lower when (h − c_y) mod 1 < g and h − c_y > 1
 * (cell = trunc(c − offset), clamped into the map). Order as ultralytics: offsets, then anchors, then gts
 * (image-major), so a later positive overwrites an earlier one's objectness target at the same cell.
 * Boxes are xyxy input pixels.
 */
export function yolov5Targets(
  targets: DetectionTargets,
  shapes: ReadonlyArray<readonly [number, number]>,
  strides: readonly number[],
  anchors: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  anchorT = 4,
): Yolov5Positive[] {
  const gts: Array<{ image: number; cls: number; box: [number, number, number, number] }> = [];
  targets.boxes.forEach((b, image) => {
    const cls = targets.classes[image] as Int32Array;
    for (let i = 0; i < cls.length; i++) {
      const [x1, y1, x2, y2] = [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]] as number[] as [
        number,
        number,
        number,
        number,
      ];
      gts.push({ image, cls: cls[i] as number, box: [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1] });
    }
  });
  const g = 0.5;
  const offsets = [
    [0, 0],
    [g, 0],
    [0, g],
    [-g, 0],
    [0, -g],
  ] as const;
  const out: Yolov5Positive[] = [];
  shapes.forEach(([h, w], level) => {
    const s = strides[level] as number;
    const levelAnchors = anchors[level] ?? [];
    for (const [o, [ox, oy]] of offsets.entries()) {
      levelAnchors.forEach(([aw, ah], anchor) => {
        for (const gt of gts) {
          const [cx, cy, bw, bh] = [gt.box[0] / s, gt.box[1] / s, gt.box[2] / s, gt.box[3] / s];
          const rw = bw / (aw / s);
          const rh = bh / (ah / s);
          if (Math.max(rw, 1 / rw, rh, 1 / rh) >= anchorT) continue;
          const near = (v: number): boolean => v % 1 < g && v > 1;
          const take = [true, near(cx), near(cy), near(w - cx), near(h - cy)][o];
          if (!take) continue;
          const gi = Math.min(Math.max(Math.trunc(cx - ox), 0), w - 1);
          const gj = Math.min(Math.max(Math.trunc(cy - oy), 0), h - 1);
          out.push({ level, image: gt.image, anchor, gi, gj, box: [cx - gi, cy - gj, bw, bh], cls: gt.cls });
        }
      });
    }
  });
  return out;
}

/** Flattened YOLOv5 outputs and their decoding constants (anchors level by level, row-major, anchor-major). */
export interface Yolov5Dense {
  /** `[N,K,4]` xyxy boxes in input pixels. */
  boxes: tf.Tensor3D;
  /** `[N,K,C]` class logits, `[N,K,1]` objectness logits. */
  cls: tf.Tensor3D;
  obj: tf.Tensor3D;
}

/**
 * Per-anchor decoding constants of maps `shapes` at `strides`: `offset` = ((x − 0.5)·s, (y − 0.5)·s),
 * `scale2` = 2s, `wh4` = 4·anchor (pixels), so centre = σ(t_xy)·2s + offset and size = σ(t_wh)²·4·anchor —
 * ultralytics/yolov5 `Detect.forward`: xy = (2σ + grid)·s with grid = cell − 0.5, wh = (2σ)²·anchor.
 */
export function yolov5DecodeConstants(
  shapes: ReadonlyArray<readonly [number, number]>,
  strides: readonly number[],
  anchors: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
): { offset: Float32Array; scale2: Float32Array; wh4: Float32Array; count: number } {
  const count = shapes.reduce((n, [h, w], l) => n + h * w * (anchors[l]?.length ?? 0), 0);
  const offset = new Float32Array(2 * count);
  const scale2 = new Float32Array(count);
  const wh4 = new Float32Array(2 * count);
  let k = 0;
  shapes.forEach(([h, w], l) => {
    const s = strides[l] as number;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (const [aw, ah] of anchors[l] ?? []) {
          offset[2 * k] = (x - 0.5) * s;
          offset[2 * k + 1] = (y - 0.5) * s;
          scale2[k] = 2 * s;
          wh4[2 * k] = 4 * aw;
          wh4[2 * k + 1] = 4 * ah;
          k++;
        }
  });
  return { offset, scale2, wh4, count };
}

/** Flattens raw YOLOv5 outputs (`box` = t_x, t_y, t_w, t_h per anchor; `quality` = objectness) and decodes the boxes. New tensors. */
export function yolov5Dense(
  raw: HeadOutput,
  strides: readonly number[],
  anchors: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  numClasses: number,
): Yolov5Dense {
  if (!raw.quality) throw new Error("yolov5Dense: raw output has no objectness logits (`quality`)");
  const quality = raw.quality;
  const c = yolov5DecodeConstants(levelShapes(raw.cls), strides, anchors);
  return tf.tidy(() => {
    const K = c.count;
    const sig = tf.sigmoid(flattenLevels(raw.box, 4));
    const xy = tf.add(
      tf.mul(tf.slice(sig, [0, 0, 0], [-1, -1, 2]), tf.tensor2d(c.scale2, [K, 1])),
      tf.tensor2d(c.offset, [K, 2]),
    );
    const half = tf.mul(
      tf.mul(tf.square(tf.slice(sig, [0, 0, 2], [-1, -1, 2])), tf.tensor2d(c.wh4, [K, 2])),
      0.5,
    );
    return {
      boxes: tf.concat([tf.sub(xy, half), tf.add(xy, half)], 2) as tf.Tensor3D,
      cls: flattenLevels(raw.cls, numClasses),
      obj: flattenLevels(quality, 1),
    };
  });
}

/**
 * YOLOv5 loss (ultralytics/yolov5 v7.0 `utils/loss.py` `ComputeLoss.__call__`, gains scaled as `train.py`), NHWC:
 * positives from {@link yolov5Targets}; for each, p_xy = 2σ(t_xy) − 0.5, p_wh = (2σ(t_wh))²·anchor (grid units);
 * - box = Σ_levels mean_positives (1 − CIoU(p, target)), ×`box`·3/L;
 * - obj = Σ_levels balance_l · mean over all N·A·h·w BCE(obj logit, t), t = clamp(CIoU.detach(), 0) at positives
 *   (model.gr = 1), else 0, ×`obj`·(imgSize/640)²·3/L;
 * - cls = Σ_levels mean over positives × C BCE(cls logits, one-hot) (only when C > 1), ×`cls`·C/80·3/L;
 * - each part × N (batch size), total = box + obj + cls.
 * L = number of levels. Differences: CIoU from xyxy boxes with eps 1e-7 added to heights and union (`boxIouAligned`;
 * ultralytics adds it to the union only for xywh input); no label smoothing, no focal loss, no autobalance.
 */
export function yolov5Loss(
  raw: HeadOutput,
  targets: DetectionTargets,
  strides: readonly number[],
  anchors: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  numClasses: number,
  opts: Yolov5LossOptions = {},
): DetectionLoss {
  return tf.tidy(() => {
    const shapes = levelShapes(raw.cls);
    if (!raw.quality) throw new Error("yolov5Loss: raw output has no objectness logits (`quality`)");
    const clsF = flattenLevels(raw.cls, numClasses);
    const objF = flattenLevels(raw.quality, 1);
    const [N, K] = clsF.shape;
    const C = numClasses;
    if (targets.boxes.length !== N || targets.classes.length !== N)
      throw new Error(`yolov5Loss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const L = shapes.length;
    const balance = opts.balance ?? (L === 3 ? [4.0, 1.0, 0.4] : [4.0, 1.0, 0.25, 0.06, 0.02]);
    const start: number[] = [];
    const objW = new Float32Array(K);
    let k = 0;
    shapes.forEach(([h, w], l) => {
      start.push(k);
      const n = h * w * (anchors[l]?.length ?? 0);
      objW.fill((balance[l] as number) / (N * n), k, k + n);
      k += n;
    });
    const pos = yolov5Targets(targets, shapes, strides, anchors, opts.anchorT ?? 4);
    const perLevel = new Array<number>(L).fill(0);
    for (const p of pos) perLevel[p.level] = (perLevel[p.level] as number) + 1;
    const idx = pos.map(
      (p) =>
        p.image * K +
        (start[p.level] as number) +
        (p.gj * (shapes[p.level] as [number, number])[1] + p.gi) * (anchors[p.level] as unknown[]).length +
        p.anchor,
    );
    const objT = new Float32Array(N * K);
    let box: tf.Scalar = tf.scalar(0);
    let cls: tf.Scalar = tf.scalar(0);
    const n = pos.length;
    if (n > 0) {
      const w = tf.tensor1d(pos.map((p) => 1 / (perLevel[p.level] as number)));
      const gi = tf.tensor1d(idx, "int32");
      const t = tf.sigmoid(tf.gather(tf.reshape(flattenLevels(raw.box, 4), [N * K, 4]), gi));
      const anc = tf.tensor2d(
        pos.flatMap((p) => {
          const [aw, ah] = (anchors[p.level] as ReadonlyArray<readonly [number, number]>)[p.anchor] as [
            number,
            number,
          ];
          const s = strides[p.level] as number;
          return [aw / s, ah / s];
        }),
        [n, 2],
      );
      const pxy = tf.sub(tf.mul(tf.slice(t, [0, 0], [-1, 2]), 2), 0.5);
      const phalf = tf.mul(tf.mul(tf.square(tf.mul(tf.slice(t, [0, 2], [-1, 2]), 2)), anc), 0.5);
      const target = tf.tensor2d(
        pos.flatMap((p) => [
          p.box[0] - p.box[2] / 2,
          p.box[1] - p.box[3] / 2,
          p.box[0] + p.box[2] / 2,
          p.box[1] + p.box[3] / 2,
        ]),
        [n, 4],
      );
      const iou = boxIouAligned(tf.concat([tf.sub(pxy, phalf), tf.add(pxy, phalf)], 1), target, "ciou");
      box = tf.sum(tf.mul(tf.sub(1, iou), w)) as tf.Scalar;
      const iouV = iou.dataSync();
      idx.forEach((i, e) => {
        objT[i] = Math.max(iouV[e] as number, 0);
      });
      if (C > 1) {
        const onehot = new Float32Array(n * C);
        pos.forEach((p, e) => {
          onehot[e * C + p.cls] = 1;
        });
        const logits = tf.gather(tf.reshape(clsF, [N * K, C]), gi);
        cls = tf.sum(
          tf.mul(tf.sum(bceWithLogits(logits, tf.tensor2d(onehot, [n, C])), 1), tf.div(w, C)),
        ) as tf.Scalar;
      }
    }
    const obj = tf.sum(
      tf.mul(tf.reshape(bceWithLogits(objF, tf.tensor3d(objT, [N, K, 1])), [N, K]), objW),
    ) as tf.Scalar;
    const [H, W] = [
      (shapes[0] as [number, number])[0] * (strides[0] as number),
      (shapes[0] as [number, number])[1] * (strides[0] as number),
    ];
    const img = opts.imgSize ?? Math.max(H, W);
    const parts = {
      box: tf.mul(box, (opts.box ?? 0.05) * (3 / L) * N) as tf.Scalar,
      obj: tf.mul(obj, (opts.obj ?? 1) * (img / 640) ** 2 * (3 / L) * N) as tf.Scalar,
      cls: tf.mul(cls, (opts.cls ?? 0.5) * (C / 80) * (3 / L) * N) as tf.Scalar,
    };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
