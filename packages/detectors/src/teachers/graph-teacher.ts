/**
 * The shared runner behind the graph-model teachers: fit each image to the input (one batch-1 graph call per
 * image — the graphs accept nothing else), execute the requested nodes in one call, decode, map boxes back, and
 * concatenate per-location scores and feature taps along the batch axis (NCHW taps transposed to NHWC).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import { COCO_CATEGORY_IDS, COCO_CLASS_NAMES } from "./coco-classes";
import { fitImage, splitInput, unmapBoxes, type InputGeometry, type ResizeMode } from "./geometry";
import type {
  PretrainedTeacher,
  TeacherDetections,
  TeacherInput,
  TeacherOutput,
  TeacherRunOptions,
} from "./pretrained-teacher";
import {
  checkTeacherMaps,
  type Teacher,
  type TeacherBatch,
  type TeacherIdentity,
  type TeacherMapInfo,
  type TeacherRequest,
  type TeacherResult,
} from "./teacher";

/** Prefix of a pretrained teacher's dense class-score maps among its map names (`scores.s4`). */
export const TEACHER_SCORES_PREFIX = "scores.";

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
  /** Stride of each level of {@link scoreMaps} (its map is `⌈inputSize / stride⌉` in size, 80 channels). */
  scoreStrides: Readonly<Record<string, number>>;
  /** Decodes one image's outputs to input-frame detections after NMS (may read tensors synchronously). */
  decode(out: Record<string, tf.Tensor>): RawDetections;
  features: Readonly<Record<string, FeatureTap>>;
}

/**
 * A pretrained teacher backed by a TF.js graph model and a {@link GraphTeacherSpec}: its raw {@link PretrainedTeacher}
 * API (`run`: images of any size, detections in original pixels) and the trainer's {@link Teacher} interface
 * (`maps`: its feature taps and `scores.<level>` class-confidence maps, sized at its own input; `infer`).
 */
export class GraphTeacher implements PretrainedTeacher, Teacher {
  readonly id: string;
  readonly inputSize: readonly [number, number];
  readonly classNames = COCO_CLASS_NAMES;
  readonly featureNames: readonly string[];
  readonly featureInfo: PretrainedTeacher["featureInfo"];
  readonly maps: Readonly<Record<string, TeacherMapInfo>>;

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
    const [H, W] = spec.inputSize;
    this.maps = {
      ...Object.fromEntries(
        Object.entries(spec.features).map(([k, f]) => [
          k,
          { channels: f.shape[3], stride: f.stride, size: [f.shape[1], f.shape[2]] as const },
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(spec.scoreStrides).map(([level, s]) => [
          `${TEACHER_SCORES_PREFIX}${level}`,
          {
            channels: this.classNames.length,
            stride: s,
            size: [Math.ceil(H / s), Math.ceil(W / s)] as const,
          },
        ]),
      ),
    };
  }

  /** `pretrained` + registry id; the variant names the resize mode and the input size. */
  identity(): TeacherIdentity {
    return {
      kind: "pretrained",
      id: this.id,
      variant: `resize:${this.spec.resize};input:${this.inputSize.join("x")}`,
    };
  }

  /**
   * The requested maps of the batch: `run` on the student's 0..1 pixels scaled to 0..255 (the teacher resizes them
   * to its own input, so its maps cover the same image area as the student's), feature taps and `scores.<level>`
   * maps, plus detections in batch-input pixels when asked.
   */
  async infer(input: TeacherBatch, request: TeacherRequest): Promise<TeacherResult> {
    checkTeacherMaps(this, request.maps);
    const taps = request.maps.filter((n) => !n.startsWith(TEACHER_SCORES_PREFIX));
    const wantScores = taps.length < request.maps.length;
    const x255 = tf.tidy(() => tf.mul(input.images, 255) as tf.Tensor4D);
    let out: TeacherOutput;
    try {
      out = await this.run(x255, { features: taps, scores: wantScores, skipDetections: !request.detections });
    } finally {
      x255.dispose();
    }
    const all: Record<string, tf.Tensor4D> = { ...out.features };
    for (const [level, t] of Object.entries(out.scores)) all[`${TEACHER_SCORES_PREFIX}${level}`] = t;
    const maps = Object.fromEntries(request.maps.map((n) => [n, all[n]!]));
    tf.dispose(Object.entries(all).flatMap(([k, t]) => (request.maps.includes(k) ? [] : [t])));
    return request.detections ? { maps, detections: out.detections } : { maps };
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
