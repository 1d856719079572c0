import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { guessModel, importIntoDetector } from "./import-checkpoint";
import { mmdetFcos } from "./mmdet-fcos";
import { mmdetFpnName, mmdetIgnoreReason, mmdetResnetName, mmdetTowerName } from "./mmdet-names";
import { mmdetRetina } from "./mmdet-retina";
import { mmdetYolox } from "./mmdet-yolox";
import { extractStateDict } from "./state-dict";
import { fixtureCheckpoint, fixtureTensors } from "./test-fixtures";
import { TorchTensor } from "./torch-tensor";
import { ultralyticsYolov8 } from "./ultralytics-yolov8";
import { importStateDict, toKdetLayout } from "./weight-mapping";

beforeAll(useTestBackend);

/** A float32 torch tensor with values 0, 1, 2, … (contiguous). */
function arange(shape: number[]): TorchTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(new Float32Array(Array.from({ length: n }, (_, i) => i)).buffer);
  const stride = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return new TorchTensor({ key: "0", dtype: "float32", elementBytes: 4, numel: n, bytes }, 0, shape, stride);
}

describe("toKdetLayout", () => {
  it("conv OIHW → HWIO, depthwise [C,1,k,k] → [k,k,C,1], linear [out,in] → [in,out]", () => {
    // w[o][i][y][x] = ((o·2 + i)·2 + y)·3 + x for O=2, I=2, kh=2, kw=3; HWIO element [y][x][i][o]
    const conv = toKdetLayout(arange([2, 2, 2, 3]), [2, 3, 2, 2]);
    expect(conv.shape).toEqual([2, 3, 2, 2]);
    const at = (y: number, x: number, i: number, o: number) => conv.values[((y * 3 + x) * 2 + i) * 2 + o];
    expect(at(1, 2, 0, 1)).toBe(((1 * 2 + 0) * 2 + 1) * 3 + 2);
    expect(at(0, 1, 1, 0)).toBe(((0 * 2 + 1) * 2 + 0) * 3 + 1);
    const dw = toKdetLayout(arange([3, 1, 2, 2]), [2, 2, 3, 1]);
    expect(dw.shape).toEqual([2, 2, 3, 1]);
    expect(dw.values[(1 * 2 + 0) * 3 + 2]).toBe(2 * 4 + 1 * 2 + 0); // [y=1][x=0][c=2] = w[2][0][1][0]
    const lin = toKdetLayout(arange([2, 3]), [3, 2]);
    expect(Array.from(lin.values)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});

describe("mmdet names", () => {
  it("ignores BN step counters and mmdet 2 EMA copies, maps ResNet/FPN/tower names", () => {
    expect(mmdetIgnoreReason("backbone.bn1.num_batches_tracked")).toMatch(/step counter/);
    expect(mmdetIgnoreReason("ema_backbone_conv1_weight")).toMatch(/EMA copy/);
    expect(mmdetIgnoreReason("backbone.conv1.weight")).toBeUndefined();
    expect(mmdetResnetName("layer3.0.downsample.1.running_var")).toBe("c4.0.downsample.bn.running_var");
    expect(mmdetResnetName("layer1.1.bn2.weight")).toBe("c2.1.conv2.bn.gamma");
    expect(mmdetFpnName("fpn_convs.4.conv.bias")).toBe("p7.bias");
    expect(mmdetTowerName("reg_convs.3.gn.weight")).toBe("reg_tower.3.gn.gamma");
  });
});

describe("importStateDict: every variable once, every tensor used or ignored", () => {
  it("another class count re-initialises only the class branch; the box maps still equal PyTorch's", () => {
    const det = createDetector("yolov8-n", { numClasses: 3, seed: 1 }).train(false);
    const res = importIntoDetector(det, fixtureCheckpoint("yolov8n-ultralytics.pt.gz"), ultralyticsYolov8);
    // cls branch hidden width max(64, min(C, 100)) is 64 for 3 classes vs 80 for 80: all three convs differ
    const reinit = res.report.reinitialized.map((r) => r.kdet);
    expect(reinit.length).toBeGreaterThan(0);
    expect(reinit.every((k) => k.startsWith("head.cls."))).toBe(true);
    expect(reinit).toContain("head.cls.p3.2.weight");
    expect(res.warnings[0]).toMatch(/checkpoint predicts 80 classes, the model 3/);
    const io = fixtureTensors("yolov8n");
    tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(io.get("input")!.data, [1, 3, 64, 96]), [0, 2, 3, 1]) as tf.Tensor4D;
      const raw = det.call(x);
      const ref = tf.transpose(tf.tensor4d(io.get("p3")!.data, [1, 144, 8, 12]), [0, 2, 3, 1]);
      const refBox = tf.slice(ref, [0, 0, 0, 0], [1, 8, 12, 64]);
      const err =
        tf.max(tf.abs(tf.sub(raw.box[0]!, refBox))).dataSync()[0]! / tf.max(tf.abs(refBox)).dataSync()[0]!;
      expect(err).toBeLessThanOrEqual(1e-4);
      expect(raw.cls[0]!.shape).toEqual([1, 8, 12, 3]);
    });
    det.dispose();
  });

  it("a checkpoint of another scale fails on the first conv, naming both tensors and shapes; nothing is assigned", () => {
    const det = createDetector("yolov8-s", { numClasses: 80 });
    const before = namedVariables(det as never).find((v) => v.name === "backbone.stem.conv.weight")!;
    const snapshot = before.variable.dataSync().slice();
    expect(() =>
      importIntoDetector(det, fixtureCheckpoint("yolov8n-ultralytics.pt.gz"), ultralyticsYolov8),
    ).toThrow(
      /yolov8n-ultralytics\.pt\.gz: ultralytics-yolov8: checkpoint tensor "model\.0\.conv\.weight" has shape \[16,3,3,3\] \(kdet layout \[3,3,3,16\]\); kdet variable "backbone\.stem\.conv\.weight" has shape \[3,3,3,32\]/,
    );
    expect(Array.from(before.variable.dataSync())).toEqual(Array.from(snapshot));
    det.dispose();
  });

  it("refuses a checkpoint of the other tool, and tensors with no place in kdet", () => {
    const det = createDetector("yolov8-n", { numClasses: 80 });
    expect(() =>
      importIntoDetector(det, fixtureCheckpoint("retina-r50w8-mmdet.pt.gz"), ultralyticsYolov8),
    ).toThrow(/not an ultralytics YOLOv8 detection checkpoint/);
    const ck = fixtureCheckpoint("yolov8n-ultralytics.pt.gz");
    const tensors = new Map(extractStateDict(ck).tensors);
    tensors.set("model.23.proto.cv1.conv.weight", arange([1, 1, 1, 1]));
    expect(() =>
      importStateDict(det, tensors, ultralyticsYolov8, { file: "seg.pt", classesChanged: false }),
    ).toThrow(
      /seg\.pt: ultralytics-yolov8: 1 checkpoint tensor\(s\) have no place in kdet's model: model\.23\.proto\.cv1\.conv\.weight/,
    );
    tensors.delete("model.23.proto.cv1.conv.weight");
    tensors.delete("model.9.cv2.bn.running_var");
    expect(() =>
      importStateDict(det, tensors, ultralyticsYolov8, { file: "cut.pt", classesChanged: false }),
    ).toThrow(
      /cut\.pt: ultralytics-yolov8: 1 kdet variable\(s\) are not in the checkpoint: backbone\.c5\.sppf\.cv2\.bn\.running_var/,
    );
    det.dispose();
  });

  it("maps every mmdetection RetinaNet name of the R50 layout to a distinct kdet variable of retina-r50", () => {
    const det = createDetector("retina-r50", { numClasses: 80 });
    const names = new Set(namedVariables(det as never).map((v) => v.name));
    const ck = extractStateDict(fixtureCheckpoint("retina-r50w8-mmdet.pt.gz")).tensors;
    const mapped = [...ck.keys()]
      .filter((k) => !k.endsWith("num_batches_tracked"))
      .map((k) => mmdetRetina.kdetName(k));
    expect(mapped.every((k) => k !== undefined && names.has(k))).toBe(true);
    expect(new Set(mapped).size).toBe(names.size);
    det.dispose();
  });

  it("FCOS settings no shape shows come from the stored config: caffe style and norm_on_bbox=False refused, none assumed with a warning", () => {
    const det = createDetector("fcos-r18", { numClasses: 80 });
    const withCfg = (cfg: string | undefined) => {
      const ck = fixtureCheckpoint("fcos-r18w8-mmdet.pt.gz");
      const meta = (ck.root as Map<string, unknown>).get("meta") as Map<string, unknown>;
      if (cfg === undefined) meta.delete("cfg");
      else meta.set("cfg", cfg);
      return ck;
    };
    expect(() =>
      importIntoDetector(det, withCfg("backbone=dict(type='ResNet', style='caffe')"), mmdetFcos),
    ).toThrow(/fcos-r18w8-mmdet\.pt\.gz: mmdet-fcos: the backbone is caffe-style/);
    expect(() => importIntoDetector(det, withCfg("bbox_head=dict(type='FCOSHead')"), mmdetFcos)).toThrow(
      /norm_on_bbox=False .* supported: norm_on_bbox=True/,
    );
    // no stored config: the settings are assumed (and the reduced-width weights then do not fit fcos-r18)
    expect(() => importIntoDetector(det, withCfg(undefined), mmdetFcos)).toThrow(/has shape \[8,3,7,7\]/);
    const cfg = mmdetFcos.config(extractStateDict(withCfg(undefined)).tensors, "x.pt", new Map());
    expect(cfg.fields).toEqual({ distance: "relu" });
    expect(cfg.warnings?.[0]).toMatch(/stores no training config: assuming .*norm_on_bbox=True/);
    det.dispose();
  });

  it("guessModel picks the kdet model from the shapes, or says it cannot", () => {
    const y8 = extractStateDict(fixtureCheckpoint("yolov8n-ultralytics.pt.gz")).tensors;
    expect(guessModel("ultralytics", y8, "y.pt")).toBe("yolov8-n");
    const retina = extractStateDict(fixtureCheckpoint("retina-r50w8-mmdet.pt.gz")).tensors;
    // base width 8 is no registry model
    expect(() => guessModel("mmdet", retina, "r.pth")).toThrow(
      /r\.pth: cannot tell which kdet model this mmdet checkpoint fits .*allowed: retina-r18, retina-r50, gfl-r18/,
    );
    expect(() => guessModel("ultralytics", retina, "r.pth")).toThrow(/cannot tell/);
    const yolox = extractStateDict(fixtureCheckpoint("yolox-w125-mmdet.pt.gz")).tensors;
    expect(mmdetYolox.guessModel(yolox)).toBeUndefined(); // stem width 8: neither nano (16) nor s (32)
  });
});
