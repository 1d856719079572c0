import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { ResNet } from "../backbones/resnet";
import { Detector } from "../detector";
import { FcosHead } from "../heads/fcos-head";
import type { BBoxHead } from "../heads/bbox-head";
import { FasterRcnnHead } from "../heads/faster-rcnn-head";
import { GflHead } from "../heads/gfl-head";
import { RetinaHead } from "../heads/retina-head";
import { createYolox } from "../models/yolox";
import { Fpn } from "../necks/fpn";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { importIntoDetector } from "./import-checkpoint";
import { foldInputNormalization, MMDET_IMAGENET_NORM, MMDET_YOLOX_INPUT } from "./input-normalization";
import { mmdetFasterRcnn } from "./mmdet-faster-rcnn";
import { mmdetFcos } from "./mmdet-fcos";
import { mmdetGfl } from "./mmdet-gfl";
import { mmdetRetina } from "./mmdet-retina";
import { mmdetYolox } from "./mmdet-yolox";
import { fixtureCheckpoint, fixtureTensors } from "./test-fixtures";
import { ultralyticsYolov8 } from "./ultralytics-yolov8";

/** NCHW reference → NHWC tensor (kdet layout). */
function nhwc(t: { shape: number[]; data: Float32Array }): tf.Tensor4D {
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1]),
  );
}

/** max |kdet − torch| / max |torch| over one map. */
function relError(actual: tf.Tensor, ref: tf.Tensor): number {
  expect(actual.shape).toEqual(ref.shape);
  const a = actual.dataSync();
  const r = ref.dataSync();
  let d = 0;
  let m = 0;
  for (let i = 0; i < r.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (r[i] as number)));
    m = Math.max(m, Math.abs(r[i] as number));
  }
  expect(m).toBeGreaterThan(0.01); // a map of zeros would prove nothing
  return d / m;
}

beforeAll(useTestBackend);

describe("import of PyTorch checkpoints: kdet outputs vs PyTorch's", () => {
  it("ultralytics YOLOv8-n (float16 DetectionModel pickle) → yolov8-n: raw box/cls maps match, rel. error ≤ 1e-4", () => {
    const ckpt = fixtureCheckpoint("yolov8n-ultralytics.pt.gz");
    const det = createDetector("yolov8-n", { numClasses: 80, seed: 3 }).train(false);
    const before = tf.memory().numTensors;
    const res = importIntoDetector(det, ckpt, ultralyticsYolov8);
    expect(tf.memory().numTensors).toBe(before);
    expect(res.source).toBe("model (ultralytics.nn.tasks.DetectionModel)");
    expect(res.checkpointClasses).toBe(80);
    expect(res.classNames?.slice(0, 2)).toEqual(["class0", "class1"]);
    expect(res.report.reinitialized).toEqual([]);
    expect(res.report.loaded.length).toBe(297);
    // 57 Conv/BN blocks × num_batches_tracked + the DFL conv
    expect(res.report.ignored.filter((i) => i.torch.endsWith("num_batches_tracked")).length).toBe(57);
    expect(res.report.ignored.map((i) => i.torch)).toContain("model.22.dfl.conv.weight");
    const io = fixtureTensors("yolov8n");
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      const raw = det.call(nhwc(io.get("input")!));
      raw.box.forEach((box, l) => {
        const ref = nhwc(io.get(`p${l + 3}`)!);
        const [refBox, refCls] = tf.split(ref, [64, 80], 3);
        errors[`box.p${l + 3}`] = relError(box, refBox!);
        errors[`cls.p${l + 3}`] = relError(raw.cls[l]!, refCls!);
      });
    });
    console.log("yolov8-n max rel. error vs PyTorch:", errors);
    for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1e-4);
    det.dispose();
  });

  it("mmdetection RetinaNet (ResNet-50, base width 8, FPN/head 32) → kdet ResNet/Fpn/RetinaHead: rel. error ≤ 1e-4", () => {
    const ckpt = fixtureCheckpoint("retina-r50w8-mmdet.pt.gz");
    const rng = new Rng(5);
    const bb = new ResNet(50, rng, 8);
    const neck = new Fpn(bb.levels, 32, 2, rng, { extraFrom: "input" });
    const det = new Detector(bb, neck, new RetinaHead(neck.levels, 80, rng, { featChannels: 32 })).train(
      false,
    );
    const res = importIntoDetector(det, ckpt, mmdetRetina);
    expect(res.source).toBe("state_dict");
    expect(res.checkpointClasses).toBe(80);
    expect(res.classNames?.[79]).toBe("class79");
    // 53 BatchNorms in a ResNet-50
    expect(res.report.ignored.length).toBe(53);
    const io = fixtureTensors("retina-r50w8");
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      const raw = det.call(nhwc(io.get("input")!));
      for (let l = 0; l < 5; l++) {
        errors[`cls.p${l + 3}`] = relError(raw.cls[l]!, nhwc(io.get(`cls.p${l + 3}`)!));
        errors[`reg.p${l + 3}`] = relError(raw.box[l]!, nhwc(io.get(`reg.p${l + 3}`)!));
      }
    });
    console.log("retina-r50 (w8) max rel. error vs PyTorch:", errors);
    for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1e-4);
    det.dispose();
  });

  it("mmdetection Faster R-CNN (ResNet-50 base width 8, FPN 32 P2–P6, RPN 32, 2-fc head 64) → kdet: RPN maps and box head rel. error ≤ 1e-4", () => {
    const ckpt = fixtureCheckpoint("frcnn-r50w8-mmdet.pt.gz");
    const rng = new Rng(7);
    const bb = new ResNet(50, rng, 8, 2);
    const neck = new Fpn(bb.levels, 32, 1, rng, { extraKind: "maxpool" });
    const head = new FasterRcnnHead(neck.levels, 80, rng, { featChannels: 32, fcChannels: 64 });
    const det = new Detector(bb, neck, head).train(false);
    const res = importIntoDetector(det, ckpt, mmdetFasterRcnn);
    expect(res.checkpointClasses).toBe(80);
    expect(res.report.ignored.length).toBe(53); // BN step counters of the ResNet-50
    expect(res.report.loaded.map((l) => l.torch)).toContain("roi_head.bbox_head.shared_fcs.0.weight");
    const io = fixtureTensors("frcnn-r50w8");
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      const raw = det.call(nhwc(io.get("input")!));
      for (let l = 0; l < 5; l++) {
        errors[`cls.p${l + 2}`] = relError(raw.cls[l]!, nhwc(io.get(`cls.p${l + 2}`)!));
        errors[`reg.p${l + 2}`] = relError(raw.box[l]!, nhwc(io.get(`reg.p${l + 2}`)!));
      }
      const roi = det.modules().get("head.roi") as unknown as BBoxHead;
      const out = roi.call(nhwc(io.get("rois")!));
      const ref = (name: string) => tf.tensor2d(io.get(name)!.data, io.get(name)!.shape as [number, number]);
      errors.roi_cls = relError(out.cls, ref("roi_cls"));
      errors.roi_reg = relError(out.box, ref("roi_reg"));
    });
    console.log("faster-rcnn-r50 (w8) max rel. error vs PyTorch:", errors);
    for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1e-4);
    det.dispose();
  });

  it("mmdetection GFL (ResNet-50 base width 8, FPN on_output, GN(4) head 32, reg_max 16) → kdet GflHead: rel. error ≤ 1e-4", () => {
    const ckpt = fixtureCheckpoint("gfl-r50w8-mmdet.pt.gz");
    const rng = new Rng(6);
    const bb = new ResNet(50, rng, 8);
    const neck = new Fpn(bb.levels, 32, 2, rng);
    const det = new Detector(
      bb,
      neck,
      new GflHead(neck.levels, 80, rng, { featChannels: 32, groups: 4 }),
    ).train(false);
    const res = importIntoDetector(det, ckpt, mmdetGfl);
    expect(res.checkpointClasses).toBe(80);
    expect(res.report.loaded.map((l) => l.torch)).toContain("bbox_head.scales.4.scale");
    const io = fixtureTensors("gfl-r50w8");
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      const raw = det.call(nhwc(io.get("input")!));
      for (let l = 0; l < 5; l++) {
        errors[`cls.p${l + 3}`] = relError(raw.cls[l]!, nhwc(io.get(`cls.p${l + 3}`)!));
        errors[`reg.p${l + 3}`] = relError(raw.box[l]!, nhwc(io.get(`reg.p${l + 3}`)!));
      }
    });
    console.log("gfl-r50 (w8) max rel. error vs PyTorch:", errors);
    for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1e-4);
    det.dispose();
  });

  it("mmdetection FCOS (ResNet-18 base width 8, FPN on_output + ReLU, GN(4) head 32, norm_on_bbox) → kdet FcosHead: rel. error ≤ 1e-4", () => {
    const ckpt = fixtureCheckpoint("fcos-r18w8-mmdet.pt.gz");
    const rng = new Rng(7);
    const bb = new ResNet(18, rng, 8);
    const neck = new Fpn(bb.levels, 32, 2, rng, { extraFrom: "output", reluBeforeExtra: true });
    const head = new FcosHead(neck.levels, 80, rng, { featChannels: 32, groups: 4, distance: "relu" });
    const det = new Detector(bb, neck, head).train(false);
    const res = importIntoDetector(det, ckpt, mmdetFcos);
    expect(res.warnings).toEqual([]);
    const io = fixtureTensors("fcos-r18w8");
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      const raw = det.call(nhwc(io.get("input")!));
      for (let l = 0; l < 5; l++) {
        errors[`cls.p${l + 3}`] = relError(raw.cls[l]!, nhwc(io.get(`cls.p${l + 3}`)!));
        errors[`reg.p${l + 3}`] = relError(raw.box[l]!, nhwc(io.get(`reg.p${l + 3}`)!));
        errors[`ctr.p${l + 3}`] = relError(raw.quality![l]!, nhwc(io.get(`ctr.p${l + 3}`)!));
      }
    });
    console.log("fcos-r18 (w8) max rel. error vs PyTorch:", errors);
    for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1e-4);
    det.dispose();
  });

  it("mmdetection YOLOX (deepen 0.33, widen 0.125, depthwise; BGR 0–255 folded into the Focus conv) → kdet createYolox: rel. error ≤ 1e-4", () => {
    const ckpt = fixtureCheckpoint("yolox-w125-mmdet.pt.gz");
    const det = createYolox({ depth: 0.33, width: 0.125, depthwise: true }, 80, 9).train(false);
    const res = importIntoDetector(det, ckpt, mmdetYolox);
    expect(res.report.loaded.some((l) => l.kdet.endsWith(".dw.conv.weight"))).toBe(true);
    foldInputNormalization(det, MMDET_YOLOX_INPUT, mmdetYolox.inputStem);
    const io = fixtureTensors("yolox-w125");
    const errors: Record<string, number> = {};
    tf.tidy(() => {
      const raw = det.call(nhwc(io.get("input")!));
      for (let l = 0; l < 3; l++) {
        errors[`cls.p${l + 3}`] = relError(raw.cls[l]!, nhwc(io.get(`cls.p${l + 3}`)!));
        errors[`reg.p${l + 3}`] = relError(raw.box[l]!, nhwc(io.get(`reg.p${l + 3}`)!));
        errors[`obj.p${l + 3}`] = relError(raw.quality![l]!, nhwc(io.get(`obj.p${l + 3}`)!));
      }
    });
    console.log("yolox (w0.125, depthwise) max rel. error vs PyTorch:", errors);
    for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1e-4);
    det.dispose();
  });

  it("folding mmdet's mean/std into the stem: kdet on 0–1 input = the unfolded model on normalised input, away from the border", () => {
    const build = () => {
      const rng = new Rng(5);
      const bb = new ResNet(50, rng, 8);
      const neck = new Fpn(bb.levels, 32, 2, rng, { extraFrom: "input" });
      const det = new Detector(bb, neck, new RetinaHead(neck.levels, 80, rng, { featChannels: 32 })).train(
        false,
      );
      importIntoDetector(det, fixtureCheckpoint("retina-r50w8-mmdet.pt.gz"), mmdetRetina);
      return det;
    };
    const plain = build();
    const folded = build();
    foldInputNormalization(folded, MMDET_IMAGENET_NORM);
    tf.tidy(() => {
      const x = nhwc(fixtureTensors("retina-r50w8").get("input")!);
      const { mean, std } = MMDET_IMAGENET_NORM;
      const xn = tf.div(tf.sub(tf.mul(x, 255), tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor4D;
      const a = plain.forwardWithTaps(xn, ["backbone.stem"]).taps["backbone.stem"]!;
      const b = folded.forwardWithTaps(x, ["backbone.stem"]).taps["backbone.stem"]!;
      // stem: 7×7 s2 conv, padding 3 → outputs 0, 1 and the last one touch the padding
      const [, h, w, c] = a.shape as [number, number, number, number];
      const inner = (t: tf.Tensor) => tf.slice(t, [0, 2, 2, 0], [1, h - 3, w - 3, c]);
      expect(relError(inner(b), inner(a))).toBeLessThanOrEqual(1e-5);
      expect(relError(b, a)).toBeGreaterThan(1e-3); // the border differs, as documented
    });
    plain.dispose();
    folded.dispose();
  });
});
