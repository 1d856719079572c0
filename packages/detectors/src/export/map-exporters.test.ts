import * as tf from "@tensorflow/tfjs-core";
import { Module, Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { Bottleneck } from "../blocks/bottleneck";
import { DepthwiseSeparable } from "../blocks/depthwise-separable";
import { InvertedResidual } from "../blocks/inverted-residual";
import { BasicBlock, ResBottleneck } from "../blocks/resnet-blocks";
import { BatchNorm } from "../nn/batch-norm";
import { ConvBnAct } from "../nn/conv-bn-act";
import { Sequential } from "../nn/sequential";
import { setTraining } from "../nn/training-mode";
import { useTestBackend } from "../testing/backend";
import { ExportContext, type AnyModule } from "./export-context";
import { GraphBuilder } from "./graph-def";
import { loadGraphFromBuilder } from "./graph-model-files";
import { exportMap } from "./module-graph";
import { perturbNorms } from "./test-helpers";
import { relativeMaxDiff } from "./verify-export";

beforeAll(useTestBackend);

/** The module's graph (input `x`, output `y`) run on `x`, and its own inference-mode output. */
async function both(m: Module<tf.Tensor4D, tf.Tensor4D>, x: tf.Tensor4D): Promise<[tf.Tensor, tf.Tensor]> {
  perturbNorms(m as never, new Rng(9));
  setTraining(m as never, false);
  const g = new GraphBuilder();
  g.output(
    "y",
    exportMap(m as unknown as AnyModule, g.placeholder("x", [-1, ...x.shape.slice(1)]), new ExportContext(g)),
  );
  const model = await loadGraphFromBuilder(g);
  const got = model.execute(x, "y") as tf.Tensor;
  model.dispose();
  return [got, tf.tidy(() => m.call(x))];
}

describe("feature-map exporters match the modules' inference-mode forward", () => {
  const rng = new Rng(2);
  for (const [name, make, cin] of [
    ["BatchNorm alone (y = x·s + β − μ·s)", () => new BatchNorm(8), 8],
    [
      "ConvBnAct 3×3 s2 SiLU (BN folded into the conv)",
      () => new ConvBnAct(8, 12, rng, { kernel: 3, stride: 2 }),
      8,
    ],
    [
      "depthwise ConvBnAct 5×5 ReLU6 (BN folded per input channel)",
      () => new ConvBnAct(8, 8, rng, { kernel: 5, depthwise: true, act: "relu6" }),
      8,
    ],
    ["Bottleneck with residual", () => new Bottleneck(8, 8, rng), 8],
    ["Bottleneck without residual", () => new Bottleneck(8, 8, rng, { shortcut: false }), 8],
    ["BasicBlock s2 with downsample", () => new BasicBlock(8, 16, rng, { stride: 2 }), 8],
    ["ResBottleneck (ResNet-50 block) with downsample", () => new ResBottleneck(8, 4, rng), 8],
    ["DepthwiseSeparable s2", () => new DepthwiseSeparable(8, 16, rng, { stride: 2 }), 8],
    [
      "InvertedResidual t6 with residual",
      () => new InvertedResidual(8, 8, rng, { stride: 1, expandRatio: 6 }),
      8,
    ],
    ["InvertedResidual t1 s2", () => new InvertedResidual(8, 16, rng, { stride: 2, expandRatio: 1 }), 8],
  ] as const) {
    it(name, async () => {
      const before = tf.memory().numTensors;
      const m = make();
      const x = new Rng(4).normalTensor([2, 9, 11, cin]) as tf.Tensor4D;
      const [got, ref] = await both(m, x);
      expect(got.shape).toEqual(ref.shape);
      expect(relativeMaxDiff(got, ref)).toBeLessThan(1e-5);
      tf.dispose([x, got, ref]);
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("an unknown module class inside a container fails naming its path and class", () => {
    class Mystery extends Module<tf.Tensor4D, tf.Tensor4D> {
      protected forward(x: tf.Tensor4D): tf.Tensor4D {
        return x;
      }
    }
    const seq = new Sequential({ conv: new ConvBnAct(3, 4, rng), odd: new Mystery() });
    const g = new GraphBuilder();
    expect(() =>
      exportMap(seq as unknown as AnyModule, g.placeholder("x", [-1, 8, 8, 3]), new ExportContext(g)),
    ).toThrow(/module "odd" of class Mystery cannot be exported \(feature map: no exportGraph method/);
    seq.dispose();
  });
});
