import * as tf from "@tensorflow/tfjs-core";
import { featureInfo, Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { CspDarknet, YOLOV8_SCALES } from "./cspdarknet";
import { MobileNetV2 } from "./mobilenet-v2";
import { ResNet } from "./resnet";

beforeAll(useTestBackend);

const count = (m: { trainableVariables(): tf.Variable[] }): number =>
  m.trainableVariables().reduce((a, v) => a + v.size, 0);

describe("backbones", () => {
  // torchvision parameter counts minus the classifier (and, for MobileNetV2, minus the last 1×1 conv + BN)
  for (const [name, make, params] of [
    ["ResNet-18", () => new ResNet(18, new Rng(0)), 11_689_512 - 513_000],
    ["ResNet-34", () => new ResNet(34, new Rng(0)), 21_797_672 - 513_000],
    ["ResNet-50", () => new ResNet(50, new Rng(0)), 25_557_032 - 2_049_000],
    ["MobileNetV2", () => new MobileNetV2(new Rng(0)), 3_504_872 - 1_281_000 - 412_160],
  ] as const) {
    it(`${name} has torchvision's parameter count and declares C3–C5 as tapped`, () => {
      const before = tf.memory().numTensors;
      const bb = make();
      expect(count(bb)).toBe(params);
      const x = new Rng(1).uniformTensor([1, 64, 96, 3]) as tf.Tensor4D;
      const shapes = tf.tidy(() => bb.call(x).map((t) => t.shape));
      const info = featureInfo(bb);
      expect(shapes).toEqual(
        ["c3", "c4", "c5"].map((n) => [
          1,
          Math.ceil(64 / info[n]!.stride),
          Math.ceil(96 / info[n]!.stride),
          info[n]!.channels,
        ]),
      );
      x.dispose();
      bb.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("CSPDarknet-n declares the YOLOv8n widths", () => {
    const bb = new CspDarknet(YOLOV8_SCALES.n, new Rng(0));
    expect(bb.levels.map((l) => l.channels)).toEqual([64, 128, 256]);
    bb.dispose();
  });
});
