import * as tf from "@tensorflow/tfjs-core";
import { Module, type Rng } from "@kdet/core";
import { Linear } from "../nn/linear";

/** Raw R-CNN outputs of R RoIs: `[R, C+1]` class logits (background last) and `[R, 4·C]` per-class deltas. */
export interface BBoxOutput {
  cls: tf.Tensor2D;
  box: tf.Tensor2D;
}

/**
 * The shared 2-fc box head of Faster R-CNN with FPN (mmdet `Shared2FCBBoxHead`, `faster-rcnn_r50_fpn`):
 * pooled RoIs `[R, s, s, Cin]` (NHWC) → flatten in mmdet's (c, y, x) order (its NCHW `x.flatten(1)`, so
 * `shared_fc1` takes mmdet's weights as they are, transposed) → `shared_fc1` (s²·Cin → fc, ReLU) → `shared_fc2` (fc → fc, ReLU) →
 * `fc_cls` (fc → C+1 logits, background last) and `fc_reg` (fc → 4·C class-specific deltas, class-major,
 * mmdet `reg_class_agnostic=False`). Init as mmdet: shared fcs Xavier-uniform, `fc_cls` N(0, 0.01²),
 * `fc_reg` N(0, 0.001²), biases 0. Children: `shared_fc1`, `shared_fc2`, `fc_cls`, `fc_reg` (tappable).
 */
export class BBoxHead extends Module<tf.Tensor4D, BBoxOutput> {
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly fcCls: Linear;
  private readonly fcReg: Linear;

  constructor(
    readonly inChannels: number,
    readonly poolSize: number,
    readonly numClasses: number,
    rng: Rng,
    fcChannels = 1024,
  ) {
    super();
    const flat = inChannels * poolSize * poolSize;
    this.fc1 = this.child("shared_fc1", new Linear(flat, fcChannels, rng, { init: "xavier" }));
    this.fc2 = this.child("shared_fc2", new Linear(fcChannels, fcChannels, rng, { init: "xavier" }));
    this.fcCls = this.child("fc_cls", new Linear(fcChannels, numClasses + 1, rng, { init: { std: 0.01 } }));
    this.fcReg = this.child("fc_reg", new Linear(fcChannels, 4 * numClasses, rng, { init: { std: 0.001 } }));
  }

  protected forward(pooled: tf.Tensor4D): BBoxOutput {
    const x = tf.reshape(tf.transpose(pooled, [0, 3, 1, 2]), [pooled.shape[0], -1]) as tf.Tensor2D;
    const h = tf.relu(this.fc2.call(tf.relu(this.fc1.call(x)))) as tf.Tensor2D;
    return { cls: this.fcCls.call(h), box: this.fcReg.call(h) };
  }
}
