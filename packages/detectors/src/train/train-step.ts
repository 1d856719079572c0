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
import { isDetectorTeacher, type TeacherSource } from "./teacher-source";

/** What the trainer needs of a distiller (`@kdet/losses` `Distiller` fits). */
export interface DistillerLike {
  readonly variables: tf.Variable[];
  /** Feature names each side must provide (taps). */
  readonly requiredFeatures: { student: string[]; teacher: string[] };
  compute(
    student: Record<string, tf.Tensor>,
    teacher: Record<string, tf.Tensor>,
    ctx?: LossContext,
  ): { total: tf.Scalar; parts: Record<string, tf.Scalar> };
  dispose(): void;
}

/**
 * The distillation path: a frozen teacher (run outside the gradient tape) and the distiller; the teacher maps are
 * the distiller's `requiredFeatures.teacher`. The teacher is a kdet `Detector` (kept in inference mode, tapped
 * inside the step), a pretrained `Teacher` or a teacher cache (their maps are prepared before the step, see
 * `prepareTeacherFeatures`).
 */
export interface DistillSetup {
  teacher: TeacherSource;
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
}

/** Numbers of one step (losses are the weighted parts; total = Σ parts). */
export interface StepResult {
  loss: number;
  parts: Record<string, number>;
  gradNorm: number;
}

/**
 * One training step: teacher features (no tape, inference-mode BN) → student forward with taps →
 * detection loss × `detectionWeight` (+ distiller terms with GT boxes/labels and the input size in the context) →
 * gradients of every trainable parameter → global-norm clipping → optimizer update (weight decay on
 * `weight` parameters only, warmup bias rate on `bias` ones) → EMA update. Frees every tensor it made.
 * A non-detector teacher's maps are given as `teacherFeatures` (prepared before the step; the caller keeps
 * ownership); a detector teacher is tapped here.
 */
export function trainStep(
  ctx: StepContext,
  batch: BatchLike,
  rates: StepRates,
  teacherFeatures?: Record<string, tf.Tensor>,
): StepResult {
  const x = batchImages(batch);
  const targets = batchTargets(batch);
  const kept: Record<string, tf.Scalar> = {};
  let teacherFeats: Record<string, tf.Tensor> = {};
  try {
    const d = ctx.distill;
    let teacherMaps: Record<string, tf.Tensor> = {};
    if (d) {
      const teacher = d.teacher;
      if (isDetectorTeacher(teacher))
        teacherMaps = teacherFeats = tf.tidy(
          () => teacher.forwardWithTaps(x, d.distiller.requiredFeatures.teacher).taps,
        );
      else if (teacherFeatures) teacherMaps = teacherFeatures;
      else
        throw new Error(
          "trainStep: the teacher is not a Detector, so its maps must be given (await prepareTeacherFeatures(teacher, batch, names) first)",
        );
    }
    const { value, grads } = tf.variableGrads(
      () => {
        const { raw, taps } = ctx.model.forwardWithTaps(x, d?.distiller.requiredFeatures.student ?? []);
        const w = ctx.detectionWeight ?? 1;
        if (w === 0 && !d)
          throw new Error("trainStep: detectionWeight 0 without a teacher leaves nothing to learn from");
        const det = w > 0 ? ctx.model.head.loss(raw, targets) : { total: tf.scalar(0), parts: {} };
        const parts: Record<string, tf.Scalar> =
          w === 1
            ? { ...det.parts }
            : Object.fromEntries(Object.entries(det.parts).map(([k, v]) => [k, tf.mul(v, w) as tf.Scalar]));
        let total: tf.Scalar = w === 1 || w === 0 ? det.total : tf.mul(det.total, w);
        if (d) {
          const k = d.distiller.compute(taps, teacherMaps, {
            boxes: targets.boxes,
            labels: targets.classes,
            imageSize: [batch.height, batch.width],
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
    tf.dispose([x, ...Object.values(kept), ...Object.values(teacherFeats)]);
  }
}

function readParts(parts: Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.dataSync()[0] as number]));
}
