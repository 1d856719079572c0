/**
 * The shared runner behind the graph-model teachers: fit each image to the input (one batch-1 graph call per
 * image — the graphs accept nothing else), execute the requested nodes in one call, decode, map boxes back, and
 * concatenate per-location scores and feature taps along the batch axis (NCHW taps transposed to NHWC).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import { COCO_CATEGORY_IDS, COCO_CLASS_NAMES } from "./coco-classes";
import { fitImage, splitInput, unmapBoxes, type InputGeometry, type ResizeMode } from "./geometry";
import type { Teacher, TeacherDetections, TeacherInput, TeacherOutput, TeacherRunOptions } from "./teacher";

/** A named graph node exposed as a feature tap. */
export interface FeatureTap {
  node: string;
  /** The node's layout in the graph; NCHW nodes are transposed to NHWC. */
  layout: "NHWC" | "NCHW";
  /** NHWC shape for batch 1. */
  shape: readonly [1, number, number, number];
  stride: number;
}

/** Input-frame detections of one image before mapping back (xyxy in input pixels). */
export interface RawDetections {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

/** What a concrete graph teacher provides to {@link GraphTeacher}. */
export interface GraphTeacherSpec {
  id: string;
  inputSize: readonly [number, number];
  inputNode: string;
  resize: ResizeMode;
  /** NHWC RGB 0..255 `[1,H,W,3]` → the graph's input tensor (inside a tidy). */
  preprocess(x: tf.Tensor4D): tf.Tensor;
  /** Graph nodes the decoder needs. */
  decodeNodes: readonly string[];
  /** Per-level class-confidence maps `[1,h,w,80]` from the executed nodes (inside a tidy), keyed by level name. */
  scoreNodes: readonly string[];
  scoreMaps(out: Record<string, tf.Tensor>): Record<string, tf.Tensor4D>;
  /** Decodes one image's outputs to input-frame detections after NMS (may read tensors synchronously). */
  decode(out: Record<string, tf.Tensor>): RawDetections;
  features: Readonly<Record<string, FeatureTap>>;
}

/** A {@link Teacher} backed by a TF.js graph model and a {@link GraphTeacherSpec}. */
export class GraphTeacher implements Teacher {
  readonly id: string;
  readonly inputSize: readonly [number, number];
  readonly classNames = COCO_CLASS_NAMES;
  readonly featureNames: readonly string[];
  readonly featureInfo: Teacher["featureInfo"];

  constructor(
    readonly model: GraphModel,
    readonly spec: GraphTeacherSpec,
  ) {
    this.id = spec.id;
    this.inputSize = spec.inputSize;
    this.featureNames = Object.keys(spec.features);
    this.featureInfo = Object.fromEntries(
      Object.entries(spec.features).map(([k, f]) => [k, { shape: f.shape, stride: f.stride }]),
    );
  }

  /** Fits one image and executes `nodes` (a map node → tensor the caller disposes). */
  executeImage(
    image: Parameters<typeof fitImage>[0],
    nodes: readonly string[],
  ): { out: Record<string, tf.Tensor>; geometry: InputGeometry } {
    const { input, geometry } = fitImage(image, this.spec.inputSize, this.spec.resize);
    try {
      const x = tf.tidy(() => this.spec.preprocess(input));
      try {
        const res = this.model.execute({ [this.spec.inputNode]: x }, [...nodes]);
        const list = Array.isArray(res) ? res : [res];
        return { out: Object.fromEntries(nodes.map((n, i) => [n, list[i]!])), geometry };
      } finally {
        x.dispose();
      }
    } finally {
      input.dispose();
    }
  }

  async run(images: TeacherInput, options: TeacherRunOptions = {}): Promise<TeacherOutput> {
    const wantScores = options.scores ?? true;
    const feats = options.features ?? [];
    for (const f of feats)
      if (!this.spec.features[f])
        throw new Error(
          `teacher ${this.id}: unknown feature "${f}" (known: ${this.featureNames.join(", ")})`,
        );
    const nodes = [
      ...new Set([
        ...(options.skipDetections ? [] : this.spec.decodeNodes),
        ...(wantScores ? this.spec.scoreNodes : []),
        ...feats.map((f) => this.spec.features[f]!.node),
      ]),
    ];
    const parts = splitInput(images);
    const detections: TeacherDetections[] = [];
    const scoreParts: Record<string, tf.Tensor4D>[] = [];
    const featParts: Record<string, tf.Tensor4D>[] = [];
    try {
      for (const image of parts) {
        const { out, geometry } = this.executeImage(image, nodes);
        try {
          if (options.skipDetections) detections.push(emptyDetections());
          else detections.push(finish(this.spec.decode(out), geometry));
          if (wantScores) scoreParts.push(tf.tidy(() => this.spec.scoreMaps(out)));
          featParts.push(
            tf.tidy(() => {
              const r: Record<string, tf.Tensor4D> = {};
              for (const f of feats) {
                const tap = this.spec.features[f]!;
                const t = out[tap.node] as tf.Tensor4D;
                r[f] = tap.layout === "NCHW" ? tf.transpose(t, [0, 2, 3, 1]) : t.clone();
              }
              return r;
            }),
          );
        } finally {
          for (const t of Object.values(out)) t.dispose();
        }
        await tf.nextFrame();
      }
      return {
        detections,
        scores: wantScores ? concatParts(scoreParts) : {},
        features: concatParts(featParts),
      };
    } finally {
      if (images instanceof tf.Tensor) for (const p of parts) (p as tf.Tensor).dispose();
      for (const p of [...scoreParts, ...featParts]) for (const t of Object.values(p)) t.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

function emptyDetections(): TeacherDetections {
  return {
    boxes: new Float32Array(0),
    scores: new Float32Array(0),
    classes: new Int32Array(0),
    categoryIds: new Int32Array(0),
  };
}

function finish(raw: RawDetections, g: InputGeometry): TeacherDetections {
  return {
    boxes: unmapBoxes(raw.boxes, g),
    scores: raw.scores,
    classes: raw.classes,
    categoryIds: Int32Array.from(raw.classes, (k) => COCO_CATEGORY_IDS[k] ?? -1),
  };
}

/** Concatenates per-image maps along the batch axis (new tensors; the parts stay owned by the caller). */
function concatParts(parts: Record<string, tf.Tensor4D>[]): Record<string, tf.Tensor4D> {
  const first = parts[0];
  if (!first) return {};
  const r: Record<string, tf.Tensor4D> = {};
  for (const k of Object.keys(first))
    r[k] =
      parts.length === 1
        ? first[k]!.clone()
        : tf.concat(
            parts.map((p) => p[k]!),
            0,
          );
  return r;
}
