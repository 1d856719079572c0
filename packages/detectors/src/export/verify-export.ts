/**
 * Checking a graph-model export against the detector it came from: both run on the same random
 * image(s) and every output is compared by its relative max difference.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import { Rng } from "@kdet/core";
import type { Detector } from "../detector";
import { isTraining } from "../nn/training-mode";
import type { ExportMeta } from "./export-meta";

/** max |a − b| / max(1, max |ref|) over all elements; shapes must match. */
export function relativeMaxDiff(actual: tf.Tensor, ref: tf.Tensor): number {
  if (actual.shape.join(",") !== ref.shape.join(","))
    throw new Error(
      `relativeMaxDiff: shape [${actual.shape.join(",")}] vs reference [${ref.shape.join(",")}]`,
    );
  const a = actual.dataSync();
  const r = ref.dataSync();
  let d = 0;
  let m = 1;
  for (let i = 0; i < r.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (r[i] as number)));
    m = Math.max(m, Math.abs(r[i] as number));
  }
  return d / m;
}

/**
 * The detector's own outputs under the export's names: `boxes`/`scores` from `head.decode` and the raw
 * `cls_<level>`, `box_<level>`, `quality_<level>` maps (call inside a tidy, or dispose the result).
 */
export function detectorOutputs(detector: Detector, images: tf.Tensor4D): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const raw = detector.call(images);
    const dense = detector.head.decode(raw);
    const out: Record<string, tf.Tensor> = { boxes: dense.boxes, scores: dense.scores };
    detector.head.levels.forEach((l, i) => {
      out[`cls_${l.name}`] = raw.cls[i] as tf.Tensor;
      out[`box_${l.name}`] = raw.box[i] as tf.Tensor;
      if (raw.quality) out[`quality_${l.name}`] = raw.quality[i] as tf.Tensor;
    });
    return out;
  });
}

/**
 * Runs `detector` (inference mode required) and the exported `model` on `batch` uniform random images
 * of the export's input size (seeded) and returns the relative max difference of every output named
 * in `meta` (see {@link relativeMaxDiff}). Throws when the names differ.
 */
export function verifyGraphExport(
  detector: Detector,
  model: GraphModel,
  meta: ExportMeta,
  opts: { batch?: number; seed?: number } = {},
): Record<string, number> {
  if (isTraining(detector))
    throw new Error("verifyGraphExport: the detector is in training mode; call detector.train(false) first");
  const [, h, w] = meta.input.shape;
  const x = new Rng(opts.seed ?? 0).uniformTensor([opts.batch ?? 1, h, w, 3]) as tf.Tensor4D;
  const ref = detectorOutputs(detector, x);
  const names = [meta.outputs.boxes.name, meta.outputs.scores.name, ...meta.outputs.raw.map((r) => r.name)];
  let got: tf.Tensor[] = [];
  try {
    const missing = names.filter((n) => !ref[n]);
    const extra = Object.keys(ref).filter((n) => !names.includes(n));
    if (missing.length || extra.length)
      throw new Error(
        `verifyGraphExport: the export's outputs (${names.join(", ")}) differ from the detector's (${Object.keys(ref).join(", ")})`,
      );
    got = model.execute(x, names) as tf.Tensor[];
    return Object.fromEntries(
      names.map((n, i) => [n, relativeMaxDiff(got[i] as tf.Tensor, ref[n] as tf.Tensor)]),
    );
  } finally {
    tf.dispose([x, ...got, ...Object.values(ref)]);
  }
}
