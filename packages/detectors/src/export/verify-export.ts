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
import { FasterRcnnHead } from "../heads/faster-rcnn-head";

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
 * `cls_<level>`, `box_<level>`, `quality_<level>` maps, and a two-stage head's `proposals` of image 0 (call inside
 * a tidy, or dispose the result).
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
    if (detector.head instanceof FasterRcnnHead) {
      const p = detector.head.testProposals(raw)[0]?.boxes ?? new Float32Array(0);
      out.proposals = tf.tensor2d(p, [p.length / 4, 4]);
    }
    return out;
  });
}

/**
 * Runs `detector` (inference mode required) and the exported `model` on `batch` uniform random images
 * of the export's input size (seeded) and returns the relative max difference of every output named
 * in `meta` (see {@link relativeMaxDiff}; Infinity when the shapes differ, e.g. a two-stage graph that kept other
 * proposals). Throws when the names differ. Runs the graph with `executeAsync`
 * (a two-stage graph has NMS, an async op; the same result as `execute` for the others).
 */
export async function verifyGraphExport(
  detector: Detector,
  model: GraphModel,
  meta: ExportMeta,
  opts: { batch?: number; seed?: number } = {},
): Promise<Record<string, number>> {
  if (isTraining(detector))
    throw new Error("verifyGraphExport: the detector is in training mode; call detector.train(false) first");
  const [, h, w] = meta.input.shape;
  const x = new Rng(opts.seed ?? 0).uniformTensor([opts.batch ?? 1, h, w, 3]) as tf.Tensor4D;
  const ref = detectorOutputs(detector, x);
  const names = [
    meta.outputs.boxes.name,
    meta.outputs.scores.name,
    ...(meta.outputs.proposals ? [meta.outputs.proposals.name] : []),
    ...meta.outputs.raw.map((r) => r.name),
  ];
  let got: tf.Tensor[] = [];
  try {
    const missing = names.filter((n) => !ref[n]);
    const extra = Object.keys(ref).filter((n) => !names.includes(n));
    if (missing.length || extra.length)
      throw new Error(
        `verifyGraphExport: the export's outputs (${names.join(", ")}) differ from the detector's (${Object.keys(ref).join(", ")})`,
      );
    got = (await model.executeAsync(x, names)) as tf.Tensor[];
    const p = names.indexOf("proposals");
    if (p >= 0) alignProposalRows(ref, got[p] as tf.Tensor, meta.classNames.length);
    const diff = (a: tf.Tensor, b: tf.Tensor) =>
      a.shape.join(",") === b.shape.join(",") ? relativeMaxDiff(a, b) : Number.POSITIVE_INFINITY;
    return Object.fromEntries(names.map((n, i) => [n, diff(got[i] as tf.Tensor, ref[n] as tf.Tensor)]));
  } finally {
    tf.dispose([x, ...got, ...Object.values(ref)]);
  }
}

/**
 * Puts the reference's proposals and their dense rows (C per proposal) in the graph's proposal order. Proposals
 * are ranked by RPN logit, and an untrained RPN's logits lie within ~10⁻⁴ of each other, so float differences
 * between the graph (BatchNorm folded into the convs) and the detector swap neighbours while keeping the same set.
 * Each graph proposal takes the nearest unused reference proposal (max coordinate difference); a set that differs
 * is left as it is, so the comparison reports it. Replaces `ref.proposals`, `ref.boxes`, `ref.scores` (disposing the
 * old ones).
 */
export function alignProposalRows(ref: Record<string, tf.Tensor>, got: tf.Tensor, C: number): void {
  const rp = ref.proposals as tf.Tensor;
  if (rp.shape.join(",") !== got.shape.join(",")) return;
  const a = got.dataSync();
  const b = rp.dataSync();
  const P = a.length / 4;
  const used = new Uint8Array(P);
  const perm = new Int32Array(P);
  for (let i = 0; i < P; i++) {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    for (let j = 0; j < P; j++) {
      if (used[j]) continue;
      let d = 0;
      for (let k = 0; k < 4; k++)
        d = Math.max(d, Math.abs((a[4 * i + k] as number) - (b[4 * j + k] as number)));
      if (d < bestD) [best, bestD] = [j, d];
    }
    used[best] = 1;
    perm[i] = best;
  }
  const rows = Int32Array.from(
    { length: P * C },
    (_, r) => (perm[Math.floor(r / C)] as number) * C + (r % C),
  );
  const reorder = (t: tf.Tensor, idx: Int32Array) =>
    tf.tidy(() => {
      const flat = tf.reshape(t, [idx.length, -1]);
      return tf.reshape(tf.gather(flat, tf.tensor1d(idx, "int32")), t.shape);
    });
  const next = {
    proposals: reorder(rp, perm),
    boxes: reorder(ref.boxes as tf.Tensor, rows),
    scores: reorder(ref.scores as tf.Tensor, rows),
  };
  tf.dispose([rp, ref.boxes as tf.Tensor, ref.scores as tf.Tensor]);
  Object.assign(ref, next);
}
