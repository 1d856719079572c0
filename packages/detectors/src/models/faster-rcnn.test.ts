import * as tf from "@tensorflow/tfjs-core";
import { featureInfo, Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { handBatch } from "../testing/synthetic";
import { batchImages, batchTargets } from "../train/batch-tensors";

beforeAll(useTestBackend);

/**
 * Parameters of mmdet `faster-rcnn_r{50,101}_fpn_1x_coco` at 80 classes, counted from the architecture (the same
 * sums from the modules built in PyTorch: torchvision-layout ResNet without `fc`, the FPN, `RPNHead`,
 * `Shared2FCBBoxHead`): ResNet-50 23,508,032 / ResNet-101 42,500,160 (torchvision's totals 25,557,032 / 44,549,160
 * less the 2,049,000 of `fc`); FPN laterals 256·(256+512+1024+2048) + 4·256 = 984,064 and four 3×3 output convs
 * 4·(9·256² + 256) = 2,360,320 (P6 is a parameter-free max-pool); RPN 3×3 conv 590,080 + cls 256·3 + 3 + reg
 * 256·12 + 12 = 593,935; box head fc1 (256·7·7)·1024 + 1024, fc2 1024² + 1024, fc_cls 1024·81 + 81, fc_reg
 * 1024·320 + 320 = 14,306,705. mmdet's `get_flops.py` prints 41.53 M for R-50: trainable only, i.e. without the
 * frozen stem and first stage (225,344).
 */
const RESNET = { 50: 23_508_032, 101: 42_500_160 };
const FPN = 256 * (256 + 512 + 1024 + 2048) + 4 * 256 + 4 * (9 * 256 * 256 + 256);
const RPN = 9 * 256 * 256 + 256 + (256 * 3 + 3) + (256 * 12 + 12);
const BOX_HEAD = 256 * 49 * 1024 + 1024 + (1024 * 1024 + 1024) + (1024 * 81 + 81) + (1024 * 320 + 320);

describe("Faster R-CNN (mmdet faster-rcnn_r50_fpn)", () => {
  it("parameter counts equal mmdet's at 80 classes: 41,753,056 (R-50) and 60,745,184 (R-101)", () => {
    expect(RESNET[50] + FPN + RPN + BOX_HEAD).toBe(41_753_056);
    for (const depth of [50, 101] as const) {
      const det = createDetector(`faster-rcnn-r${depth}`);
      const count = (path: string) =>
        (det.modules().get(path)?.trainableVariables() ?? []).reduce((a, v) => a + v.size, 0);
      expect(det.trainableVariables().reduce((a, v) => a + v.size, 0)).toBe(
        RESNET[depth] + FPN + RPN + BOX_HEAD,
      );
      expect(count("head")).toBe(RPN + BOX_HEAD);
      expect(count("neck")).toBe(FPN);
      det.dispose();
    }
  }, 300_000);

  it("declares backbone C2–C5, neck P2–P6 (strides 4…64, P6 a stride-2 max-pool) and the RPN maps as taps", () => {
    const det = createDetector("faster-rcnn-r50", { numClasses: 3 });
    const info = featureInfo(det);
    expect(info["backbone.c2"]).toEqual({ channels: 256, stride: 4 });
    [2, 3, 4, 5, 6].forEach((l) => expect(info[`neck.p${l}`]).toEqual({ channels: 256, stride: 2 ** l }));
    expect(info["head.cls.p2"]).toEqual({ channels: 3, stride: 4 });
    expect(info["head.box.p6"]).toEqual({ channels: 12, stride: 64 });
    expect(info["head.rpn.p4"]).toEqual({ channels: 256, stride: 16 });
    const x = new Rng(2).uniformTensor([1, 64, 64, 3]) as tf.Tensor4D;
    const [p5, p6] = tf.tidy(() => {
      const { taps } = det.forwardWithTaps(x, ["neck.p5", "neck.p6"]);
      return [taps["neck.p5"]!.arraySync() as number[][][][], taps["neck.p6"]!.arraySync() as number[][][][]];
    });
    expect(p6[0]![0]![0]).toEqual(p5[0]![0]![0]); // P6[0,0] = P5[0,0]
    expect(p6[0]![0]![0]!.length).toBe(256);
    x.dispose();
    det.dispose();
  }, 300_000);

  it("training loss: the four mmdet parts, reproducible, gradients reach the box head, RPN and backbone; no tensor leak", () => {
    const det = createDetector("faster-rcnn-r50", { numClasses: 3, seed: 1 });
    const batch = handBatch(
      64,
      [
        [4, 6, 40, 50, 30, 30, 60, 62],
        [8, 8, 56, 40],
      ],
      [[1, 2], [0]],
    );
    const x = batchImages(batch);
    const targets = batchTargets(batch);
    const before = tf.memory().numTensors;
    const run = () =>
      tf.tidy(() => {
        const l = det.loss(x, targets);
        return Object.fromEntries(Object.entries(l.parts).map(([k, v]) => [k, v.dataSync()[0]!]));
      });
    const a = run();
    expect(Object.keys(a).sort()).toEqual(["rcnn_box", "rcnn_cls", "rpn_box", "rpn_cls"]);
    expect(run()).toEqual(a);
    // untrained: RPN BCE near ln 2 (rpn_cls ~ N(0, 0.01²)); R-CNN CE of small logits over C + 1 = 4 classes, ≈ ln 4
    expect(a.rpn_cls).toBeGreaterThan(0.5);
    expect(a.rpn_cls).toBeLessThan(0.9);
    expect(a.rcnn_cls).toBeGreaterThan(0.5 * Math.log(4));
    expect(a.rcnn_cls).toBeLessThan(2 * Math.log(4));
    expect(a.rcnn_box).toBeGreaterThan(0);
    const vars = det.trainableVariables();
    const { value, grads } = tf.variableGrads(() => det.loss(x, targets).total, vars);
    const norm = (part: string) =>
      (det.modules().get(part)?.trainableVariables() ?? []).reduce(
        (s, v) => s + (grads[v.name] ? tf.tidy(() => tf.sum(tf.abs(grads[v.name]!)).dataSync()[0]!) : 0),
        0,
      );
    for (const part of [
      "head.roi.shared_fc1",
      "head.roi.fc_reg",
      "head.rpn_cls",
      "head.rpn_reg",
      "backbone.c2",
      "neck.lat2",
    ])
      expect(norm(part), part).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    det.dispose();
  }, 600_000);

  it("predict: mmdet test_cfg (score ≥ 0.05, NMS 0.5, ≤ 100 per image), boxes inside the image; no tensor leak", async () => {
    const det = createDetector("faster-rcnn-r50", { numClasses: 3, seed: 1, testProposals: { postNms: 50 } });
    det.train(false);
    const x = new Rng(4).uniformTensor([2, 64, 64, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const dense = tf.tidy(() => det.head.decode(det.call(x)));
    const [N, A, C] = dense.scores.shape;
    expect([N, C]).toEqual([2, 3]);
    expect(A % 3).toBe(0);
    expect(A).toBeLessThanOrEqual(50 * 3);
    // each row scores one class: the row's own (p·C + c → column c)
    const s = dense.scores.arraySync();
    for (const row of s[0]!.slice(0, 30)) expect(row.filter((v) => v !== 0).length).toBeLessThanOrEqual(1);
    tf.dispose(dense);
    const out = await det.predict(x, { scoreThreshold: 0 });
    for (const d of out) {
      expect(d.scores.length).toBeLessThanOrEqual(100);
      for (const v of d.boxes) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(64);
      }
    }
    expect(det.head.postprocessDefaults).toEqual({
      scoreThreshold: 0.05,
      iouThreshold: 0.5,
      maxDetections: 100,
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    det.dispose();
  }, 300_000);
});
