/**
 * Dense training targets for the distillation losses that need ground truth per feature-map location
 * (`dkd`: a class per logit row, `ld`: positives and their labels, `pgd`: foreground and background masks).
 * The trainer computes the ones a distiller asks for (`requiredFeatures.targets`) and hands them over as
 * `ctx.targets`, read by terms through `ctxFrom: {key: "targets:<name>"}`.
 *
 * Assignment (one rule for every detector family, so any student/teacher pair gets the same targets): a location
 * of a level of stride s has its centre at ((x + 0.5)·s, (y + 0.5)·s) in input pixels; it is foreground when the
 * centre lies strictly inside a GT box (xyxy, input pixels), and takes the class of the smallest such box —
 * FCOS' centre-in-box rule with its minimum-area tie break (Tian et al., ICCV 2019), and PGD's background rule
 * (`pgdBackgroundWeights`: background = centre inside no GT box). The student's own assigner (task-aligned,
 * ATSS, SimOTA, max-IoU) depends on its predictions and anchors and is not used here.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { DetectionTargets } from "../heads/types";

/** A pyramid level of the student: its label (`p3`) and stride in input pixels. */
export interface TargetLevel {
  name: string;
  stride: number;
}

/** The target kinds: class per location (background = K), foreground weight, background weight. */
export const DISTILL_TARGET_KINDS = ["assigned", "fg", "bg"] as const;

/**
 * The requested targets, `<kind>.<level>` (`assigned.p3`: int32 `[N,h,w]`, class or `numClasses` for background;
 * `fg.p3` / `bg.p3`: float32 `[N,h,w]` 0/1), with h = ⌈H / stride⌉, w = ⌈W / stride⌉ of the batch input `[H, W]`.
 * An unknown name fails listing the valid ones. The caller owns the returned tensors.
 * `labelled[b] === false` marks an image without ground truth (semi-supervised batches): its `fg` and `bg` rows are
 * 0 (neither foreground nor background: a GT-masked term ignores it) and its `assigned` rows are background.
 */
export function distillTargets(
  names: readonly string[],
  levels: readonly TargetLevel[],
  imageSize: readonly [number, number],
  targets: DetectionTargets,
  numClasses: number,
  labelled?: readonly boolean[],
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  const cache = new Map<string, Int32Array>();
  const n = targets.boxes.length;
  try {
    for (const name of names) {
      const dot = name.indexOf(".");
      const kind = name.slice(0, dot);
      const level = levels.find((l) => l.name === name.slice(dot + 1));
      if (dot < 0 || !DISTILL_TARGET_KINDS.includes(kind as never) || !level)
        throw new Error(
          `distillTargets: "${name}" is not a target; allowed: ${DISTILL_TARGET_KINDS.flatMap((k) => levels.map((l) => `${k}.${l.name}`)).join(", ")}`,
        );
      const h = Math.ceil(imageSize[0] / level.stride);
      const w = Math.ceil(imageSize[1] / level.stride);
      let labels = cache.get(level.name);
      if (!labels) {
        labels = assignLevel(level.stride, h, w, targets, numClasses, labelled);
        cache.set(level.name, labels);
      }
      const shape: [number, number, number] = [n, h, w];
      if (kind === "assigned") out[name] = tf.tensor3d(labels, shape, "int32");
      else {
        const fg = kind === "fg";
        out[name] = tf.tensor3d(
          Float32Array.from(labels, (c, i) =>
            labelled?.[Math.floor(i / (h * w))] === false ? 0 : c < numClasses === fg ? 1 : 0,
          ),
          shape,
        );
      }
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out;
}

/** Class of the smallest GT box strictly containing each cell centre, else `numClasses`; row-major `[N,h,w]`. */
function assignLevel(
  stride: number,
  h: number,
  w: number,
  targets: DetectionTargets,
  numClasses: number,
  labelled: readonly boolean[] | undefined,
): Int32Array {
  const n = targets.boxes.length;
  const out = new Int32Array(n * h * w).fill(numClasses);
  for (let b = 0; b < n; b++) {
    if (labelled?.[b] === false) continue; // no ground truth: background rows
    const boxes = targets.boxes[b]!;
    const classes = targets.classes[b]!;
    for (let y = 0; y < h; y++) {
      const cy = (y + 0.5) * stride;
      for (let x = 0; x < w; x++) {
        const cx = (x + 0.5) * stride;
        let best = Number.POSITIVE_INFINITY;
        for (let g = 0; g < classes.length; g++) {
          const [x1, y1, x2, y2] = [boxes[4 * g]!, boxes[4 * g + 1]!, boxes[4 * g + 2]!, boxes[4 * g + 3]!];
          if (!(cx > x1 && cy > y1 && cx < x2 && cy < y2)) continue;
          const area = (x2 - x1) * (y2 - y1);
          if (area < best) {
            best = area;
            out[(b * h + y) * w + x] = classes[g]!;
          }
        }
      }
    }
  }
  return out;
}
