/**
 * A look inside one distillation step, for finding out why a method does or does not help: the value of every loss
 * part, and the gradient norms the detection loss and each distillation part send into the student's tapped maps,
 * into the student's parameters and into the distiller's own variables. Nothing is updated.
 */
import * as tf from "@tensorflow/tfjs-core";
import { captureTaps, Rng } from "@kdet/core";
import type { Detector } from "../detector";
import type { HeadOutput } from "../heads/types";
import { namedVariables } from "../io/named-variables";
import { batchImages, batchTargets, type BatchLike } from "./batch-tensors";
import { distillTargets } from "./distill-targets";
import { labelledFlags, maskedDetectionLoss } from "./semi-supervised-loss";
import type { DistillerLike } from "./train-step";

/** What {@link probeDistillStep} looks at. */
export interface DistillProbeInput {
  /** The student (its BatchNorm mode is the caller's: training mode reproduces a training step). */
  model: Detector;
  distiller: DistillerLike;
  batch: BatchLike;
  /** The teacher's maps of the batch (`distiller.requiredFeatures.teacher`); the caller owns them. */
  teacherMaps: Record<string, tf.Tensor>;
  /** Weight of the detection loss, as the trainer's `detectionWeight` (default 1). */
  detectionWeight?: number;
  /**
   * Seed of the randomness handed to the distiller (`ctx.rng`: MGD's masks, CKD's background cells). Every
   * evaluation inside the probe starts a fresh generator of this seed, so values and gradients see the same draws,
   * and two probes of the same batch with the same seed are comparable. Default 0.
   */
  seed?: number;
  /** false: values only (one forward pass). Default true. */
  gradients?: boolean;
}

/** Gradient norms into one tapped student map. */
export interface TapGradients {
  /** ‖∂(detection loss)/∂map‖₂. */
  detection: number;
  /** ‖∂(Σ distillation terms)/∂map‖₂. */
  distillation: number;
  /** ‖∂(part)/∂map‖₂ per leaf distillation part. */
  parts: Record<string, number>;
}

/** What one probe found (losses are weighted, as the trainer logs them). */
export interface DistillProbe {
  /** The detection loss × `detectionWeight`. */
  detection: number;
  /** Σ of the distillation terms (weighted). */
  distillation: number;
  /** Every part: the detection parts (`box`, `cls`, …) and the distiller's parts (`<name>/<level>[/<part>]`). */
  parts: Record<string, number>;
  /** The distillation parts that add up to `distillation` (an instance's sub-parts where it reports several). */
  leaves: string[];
  /**
   * Per tapped neck output (`neck.<level>` of `distiller.requiredFeatures.student`; maps inside the head are read
   * by the distiller but not listed here); absent with `gradients: false`.
   */
  taps?: Record<string, TapGradients>;
  /**
   * ‖∂/∂θ‖₂ over the student's trainable parameters of the detection loss and of the distillation terms, and the
   * global norm the trainer clips: of ∂(detection + distillation) over the student's and the distiller's variables.
   */
  params?: { detection: number; distillation: number; total: number };
  /** ‖∂(distillation)/∂v‖₂ per distiller variable, by variable name. */
  distillerVariables?: Record<string, number>;
}

const l2 = (ts: readonly tf.Tensor[]): number =>
  ts.length === 0
    ? 0
    : tf.tidy(() => Math.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t)))).dataSync()[0] as number));

/** The distiller's parts that are summed into its total (sub-parts replace their instance's entry). */
export function leafParts(parts: readonly string[]): string[] {
  return parts.filter((p) => !parts.some((q) => q.startsWith(`${p}/`)));
}

/**
 * Probes one distillation step of `o.model` on `o.batch` exactly as `trainStep` computes it (same context: GT boxes
 * and labels, input size, dense targets), without updating anything. Gradient norms into the tapped maps are taken
 * by splitting the forward pass at the neck: the tapped maps must be neck outputs (`neck.<level>`, listed in `taps`)
 * or maps inside the head (`head.*`, read by the distiller, their gradient counted in `params` only). Layout: NHWC maps; norms are Frobenius norms over the whole batch.
 */
export function probeDistillStep(o: DistillProbeInput): DistillProbe {
  const { model, distiller, batch, teacherMaps } = o;
  const names = distiller.requiredFeatures.student;
  const neckNames = model.neck.levels.map((l) => `neck.${l.name}`);
  const bad = names.filter((n) => !neckNames.includes(n) && !n.startsWith("head."));
  if (bad.length)
    throw new Error(
      `probeDistillStep: cannot probe the taps ${bad.join(", ")}; allowed: the neck outputs (${neckNames.join(", ")}) and maps inside the head (head.*)`,
    );
  const headNames = names.filter((n) => n.startsWith("head."));
  const targets = batchTargets(batch);
  const flags = labelledFlags(batch);
  const w = o.detectionWeight ?? 1;
  const imageSize: [number, number] = [batch.height, batch.width];
  const x = batchImages(batch);
  const dense = distiller.requiredFeatures.targets?.length
    ? distillTargets(
        distiller.requiredFeatures.targets,
        model.head.levels,
        imageSize,
        targets,
        model.head.numClasses,
        flags,
      )
    : {};
  const seed = o.seed ?? 0;
  const ctx = () => {
    const rng = new Rng(seed);
    return {
      boxes: targets.boxes,
      labels: targets.classes,
      imageSize,
      targets: dense,
      rng: () => rng.next(),
    };
  };
  /** Head outputs and every distillation part from the neck outputs `fs`. */
  const fromNeck = (
    fs: tf.Tensor4D[],
  ): { raw: HeadOutput; parts: Record<string, tf.Scalar>; total: tf.Scalar } => {
    const { result: raw, taps } = captureTaps(model, headNames, () => model.head.call(fs));
    const all: Record<string, tf.Tensor> = { ...taps };
    neckNames.forEach((n, i) => {
      if (names.includes(n)) all[n] = fs[i]!;
    });
    const r = distiller.compute(all, teacherMaps, ctx());
    return { raw, parts: r.parts, total: r.total };
  };
  const detectionOf = (raw: HeadOutput) => maskedDetectionLoss(model.head, raw, targets, flags, w);
  const neckOf = () => model.neck.call(model.backbone.call(x));
  let feats: tf.Tensor4D[] = [];
  try {
    feats = tf.tidy(() => neckOf());
    const values = tf.tidy(() => {
      const { raw, parts } = fromNeck(feats);
      const det = detectionOf(raw);
      const read = (t: tf.Scalar) => t.dataSync()[0] as number;
      return {
        detection: read(det.total),
        parts: Object.fromEntries(
          [...Object.entries(det.parts), ...Object.entries(parts)].map(([k, v]) => [k, read(v)]),
        ) as Record<string, number>,
        distillParts: Object.keys(parts),
      };
    });
    const leaves = leafParts(values.distillParts);
    const out: DistillProbe = {
      detection: values.detection,
      distillation: leaves.reduce((a, k) => a + values.parts[k]!, 0),
      parts: values.parts,
      leaves,
    };
    if (o.gradients === false) return out;

    const tapIndex = names.map((n) => neckNames.indexOf(n));
    /** ‖∂f/∂tap‖ per neck tap. */
    const tapNorms = (f: (fs: tf.Tensor4D[]) => tf.Scalar): Record<string, number> =>
      tf.tidy(() => {
        // every neck output joins the graph with weight 0, so a map the loss does not read gets a zero gradient
        const g = tf.grads((...fs: tf.Tensor[]) =>
          tf.add(f(fs as tf.Tensor4D[]), tf.mul(tf.addN(fs.map((t) => tf.sum(t))), 0)),
        )(feats);
        const res: Record<string, number> = {};
        names.forEach((n, i) => {
          if (tapIndex[i]! >= 0) res[n] = l2([g[tapIndex[i]!]!]);
        });
        return res;
      });
    const taps: Record<string, TapGradients> = Object.fromEntries(
      names
        .filter((n) => !n.startsWith("head."))
        .map((n) => [n, { detection: 0, distillation: 0, parts: {} }]),
    );
    const put = (key: "detection" | "distillation" | string, r: Record<string, number>) => {
      for (const [n, v] of Object.entries(r)) {
        const t = taps[n]!;
        if (key === "detection" || key === "distillation") t[key] = v;
        else t.parts[key] = v;
      }
    };
    put(
      "detection",
      tapNorms((fs) => detectionOf(model.head.call(fs)).total),
    );
    put(
      "distillation",
      tapNorms((fs) => fromNeck(fs).total),
    );
    for (const k of leaves)
      put(
        k,
        tapNorms((fs) => fromNeck(fs).parts[k]!),
      );
    out.taps = taps;

    const student = namedVariables(model)
      .filter((v) => v.kind !== "buffer" && v.variable.trainable)
      .map((v) => v.variable);
    const own = distiller.variables.filter((v) => v.trainable);
    const gradNorm = (f: () => tf.Scalar, vars: tf.Variable[]) =>
      tf.tidy(() => l2(Object.values(tf.variableGrads(f, vars).grads)));
    const detParams = gradNorm(() => detectionOf(model.head.call(neckOf())).total, student);
    const disParams = gradNorm(() => fromNeck(neckOf()).total, student);
    const both = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const r = fromNeck(neckOf());
        return tf.add(detectionOf(r.raw).total, r.total);
      }, [...student, ...own]);
      return {
        total: l2(Object.values(grads)),
        own: Object.fromEntries(own.map((v) => [v.name, grads[v.name] ? l2([grads[v.name]!]) : 0])),
      };
    });
    out.params = { detection: detParams, distillation: disParams, total: both.total };
    out.distillerVariables = both.own;
    return out;
  } finally {
    tf.dispose([x, ...feats, ...Object.values(dense)]);
  }
}
