import * as tf from "@tensorflow/tfjs-core";
import { captureTaps, Module } from "@kdet/core";
import type { Backbone, Neck } from "./nn/feature-pyramid";
import { setTraining } from "./nn/training-mode";
import { postprocessImage, type Detections, type PostprocessOptions } from "./heads/postprocess";
import type { DetectionHead, DetectionLoss, DetectionTargets, HeadOutput } from "./heads/types";

/**
 * A detector's identity, saved with weights and checkpoints: the `DETECTORS` registry id and the resolved config
 * (`createDetector` sets it; the id is checked against the registry when the detector is rebuilt).
 */
export interface DetectorSpec {
  id: string;
  config: Record<string, unknown>;
}

/** Result of a forward pass with taps: raw head outputs and the requested named features. */
export interface TappedForward {
  raw: HeadOutput;
  taps: Record<string, tf.Tensor>;
}

/**
 * A dense object detector: backbone → neck → head, NHWC float32 images `[N,H,W,3]` scaled to 0..1.
 * Module paths: `backbone.*`, `neck.*`, `head.*` (any of them can be tapped). Boxes are xyxy in
 * input pixels. Methods that return tensors are tidy; `forward`/`call` must run inside a `tf.tidy`
 * or gradient closure (intermediates belong to the caller's scope so taps stay valid).
 */
export class Detector extends Module<tf.Tensor4D, HeadOutput> {
  readonly backbone: Backbone;
  readonly neck: Neck;
  readonly head: DetectionHead;
  /** Registry id and resolved config, when built by `createDetector` (needed to save and reload). */
  spec: DetectorSpec | undefined;

  constructor(backbone: Backbone, neck: Neck, head: DetectionHead) {
    super();
    this.backbone = this.child("backbone", backbone);
    this.neck = this.child("neck", neck);
    this.head = this.child("head", head);
  }

  /** Number of classes the head predicts. */
  get numClasses(): number {
    return this.head.numClasses;
  }

  protected forward(images: tf.Tensor4D): HeadOutput {
    return this.head.call(this.neck.call(this.backbone.call(images)));
  }

  /** Forward pass that also returns the outputs of the named modules (unknown names throw, listing valid ones). */
  forwardWithTaps(images: tf.Tensor4D, names: readonly string[]): TappedForward {
    const { result, taps } = captureTaps(this, names, () => this.call(images));
    return { raw: result, taps };
  }

  /** Training loss of a batch (call inside the gradient closure). */
  loss(images: tf.Tensor4D, targets: DetectionTargets): DetectionLoss {
    return tf.tidy(() => this.head.loss(this.call(images), targets));
  }

  /**
   * Detections per image after decoding, score threshold and class-aware NMS (see {@link postprocessImage}).
   * Options not given (or undefined) fall back to the head's `postprocessDefaults`, then to kdet's defaults.
   */
  async predict(images: tf.Tensor4D, options: PostprocessOptions = {}): Promise<Detections[]> {
    const given = Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    ) as PostprocessOptions;
    const opts: PostprocessOptions = { ...this.head.postprocessDefaults, ...given };
    const dense = tf.tidy(() => this.head.decode(this.call(images)));
    try {
      const [N, A, C] = dense.scores.shape;
      const [boxes, scores] = await Promise.all([dense.boxes.data(), dense.scores.data()]);
      const clipTo = opts.clipTo ?? { width: images.shape[2], height: images.shape[1] };
      const out: Detections[] = [];
      for (let b = 0; b < N; b++) {
        out.push(
          postprocessImage(
            (boxes as Float32Array).subarray(b * A * 4, (b + 1) * A * 4),
            (scores as Float32Array).subarray(b * A * C, (b + 1) * A * C),
            C,
            { ...opts, clipTo },
          ),
        );
      }
      return out;
    } finally {
      tf.dispose(dense);
    }
  }

  /** Training mode (BatchNorm batch statistics) or inference mode (running statistics). */
  train(training = true): this {
    setTraining(this, training);
    return this;
  }
}
