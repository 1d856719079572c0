import * as tf from "@tensorflow/tfjs-core";
import type { Detector } from "../detector";
import type { NamedVariable } from "../io/named-variables";
import type { LossContext } from "@kdet/losses";
import { batchImages, batchTargets, type BatchLike } from "./batch-tensors";
import { clipGradNorm } from "./clip";
import type { ModelEma } from "./ema";
import type { Optimizer } from "./optimizers";
import type { StepRates } from "./schedule";
import { NonFiniteError } from "./non-finite";
import type { Teacher } from "../teachers/teacher";
import { distillTargets } from "./distill-targets";
import { labelledFlags, maskedDetectionLoss, type PseudoTargets } from "./semi-supervised-loss";

/** What the trainer needs of a distiller (`@kdet/losses` `Distiller` fits). */
export interface DistillerLike {
  readonly variables: tf.Variable[];
  /** Feature names each side must provide (taps), and the dense targets it reads (`distillTargets` names). */
  readonly requiredFeatures: { student: string[]; teacher: string[]; targets?: string[] };
  compute(
    student: Record<string, tf.Tensor>,
    teacher: Record<string, tf.Tensor>,
    ctx?: LossContext,
  ): { total: tf.Scalar; parts: Record<string, tf.Scalar> };
  dispose(): void;
}

/**
 * The distillation path: a frozen {@link Teacher} (a trained detector, a pretrained graph model or a teacher cache;
 * run outside the gradient tape) and the distiller; the teacher maps are the distiller's `requiredFeatures.teacher`.
 */
export interface DistillSetup {
  teacher: Teacher;
  distiller: DistillerLike;
}

/** Everything one optimizer step touches. */
export interface StepContext {
  model: Detector;
  /** Trainable parameters (model + adapters) with stable names and kinds. */
  params: readonly NamedVariable[];
  optimizer: Optimizer;
  ema?: ModelEma;
  clipNorm: number;
  /** Weight of the detection loss (default 1; 0 = labels unused, distillation terms only). */
  detectionWeight?: number;
  distill?: DistillSetup;
  /**
   * Teacher pseudo-labels of the batch's unlabelled images (`pseudoLabelTargets`), trained with the head's loss
   * × their weight. Unlabelled images (`items[i].labelled === false`) never get a loss from their own (empty)
   * annotations: the detection loss runs on the labelled images only (`maskedDetectionLoss`).
   */
  pseudo?: PseudoTargets;
}

/** Numbers of one step (losses are the weighted parts; total = Σ parts). */
export interface StepResult {
  loss: number;
  parts: Record<string, number>;
  gradNorm: number;
}

/**
 * One training step: student forward with taps →
 * detection loss × `detectionWeight` (+ distiller terms with GT boxes/labels, the input size and the dense targets
 * the distiller asks for — `distillTargets` on the student head's levels — in the context) →
 * gradients of every trainable parameter → global-norm clipping → optimizer update (weight decay on
 * `weight` parameters only, warmup bias rate on `bias` ones) → EMA update. Frees every tensor it made.
 * With `ctx.distill`, the teacher's maps of this batch are given as `teacherMaps` (from `teacher.infer`, awaited
 * before the step, no tape); `images` is the batch tensor when the caller already made it. The caller keeps
 * ownership of both.
 */
export function trainStep(
  ctx: StepContext,
  batch: BatchLike,
  rates: StepRates,
  teacherMaps?: Record<string, tf.Tensor>,
  images?: tf.Tensor4D,
): StepResult {
  const d = ctx.distill;
  if (d && !teacherMaps)
    throw new Error(
      "trainStep: with a teacher, its maps of the batch must be given (await teacher.infer(...) first, as the Trainer does)",
    );
  const x = images ?? batchImages(batch);
  const targets = batchTargets(batch);
  const kept: Record<string, tf.Scalar> = {};
  const dense = d?.distiller.requiredFeatures.targets?.length
    ? distillTargets(
        d.distiller.requiredFeatures.targets,
        ctx.model.head.levels,
        [batch.height, batch.width],
        targets,
        ctx.model.head.numClasses,
        labelledFlags(batch),
      )
    : {};
  try {
    const { value, grads } = tf.variableGrads(
      () => {
        const { raw, taps } = ctx.model.forwardWithTaps(x, d?.distiller.requiredFeatures.student ?? []);
        const w = ctx.detectionWeight ?? 1;
        if (w === 0 && !d)
          throw new Error("trainStep: detectionWeight 0 without a teacher leaves nothing to learn from");
        const det = maskedDetectionLoss(ctx.model.head, raw, targets, labelledFlags(batch), w, ctx.pseudo);
        const parts: Record<string, tf.Scalar> = { ...det.parts };
        let total: tf.Scalar = det.total;
        if (d) {
          const k = d.distiller.compute(taps, teacherMaps!, {
            boxes: targets.boxes,
            labels: targets.classes,
            imageSize: [batch.height, batch.width],
            targets: dense,
          });
          for (const [name, v] of Object.entries(k.parts)) {
            if (name in parts)
              throw new Error(`trainStep: distillation part "${name}" clashes with a detection loss part`);
            parts[name] = v;
          }
          total = tf.add(total, k.total);
        }
        for (const [k, v] of Object.entries(parts)) kept[k] = tf.keep(v);
        return total;
      },
      ctx.params.map((p) => p.variable),
    );
    const loss = value.dataSync()[0] as number;
    value.dispose();
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(grads));
      throw new NonFiniteError(`trainStep: loss is ${loss} (parts ${JSON.stringify(readParts(kept))})`);
    }
    const clipped = clipGradNorm(grads, ctx.clipNorm);
    if (!Number.isFinite(clipped.norm)) {
      tf.dispose(Object.values(clipped.grads));
      throw new NonFiniteError(
        `trainStep: gradient norm is ${clipped.norm} (loss ${loss}); the weights were not updated`,
      );
    }
    try {
      const updates = [];
      for (const p of ctx.params) {
        const g = clipped.grads[p.variable.name];
        if (g)
          updates.push({
            name: p.name,
            variable: p.variable,
            grad: g,
            lr: p.kind === "bias" ? rates.biasLr : rates.lr,
            decay: p.kind === "weight",
          });
      }
      ctx.optimizer.apply(updates, rates.momentum);
    } finally {
      tf.dispose(Object.values(clipped.grads));
    }
    ctx.ema?.update();
    return { loss, parts: readParts(kept), gradNorm: clipped.norm };
  } finally {
    tf.dispose([...(images ? [] : [x]), ...Object.values(kept), ...Object.values(dense)]);
  }
}

function readParts(parts: Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.dataSync()[0] as number]));
}
