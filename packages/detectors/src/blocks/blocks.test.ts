import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { Bottleneck } from "./bottleneck";
import { C2f } from "./c2f";
import { DepthwiseSeparable } from "./depthwise-separable";
import { InvertedResidual } from "./inverted-residual";
import { BasicBlock, ResBottleneck } from "./resnet-blocks";
import { Sppf } from "./sppf";

beforeAll(useTestBackend);

const params = (m: { trainableVariables(): tf.Variable[] }) =>
  m.trainableVariables().reduce((a, v) => a + v.size, 0);
/** conv k×k (no bias) + BN (γ, β): k²·in·out + 2·out. */
const cbn = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;

describe("blocks: output shapes and parameter counts (PyTorch module formulas)", () => {
  const rng = new Rng(4);
  for (const [name, make, inShape, outShape, count] of [
    [
      "Bottleneck 16→16 (e 0.5)",
      () => new Bottleneck(16, 16, rng),
      [2, 8, 8, 16],
      [2, 8, 8, 16],
      cbn(3, 16, 8) + cbn(3, 8, 16),
    ],
    [
      "C2f 16→32 n=2",
      () => new C2f(16, 32, rng, { n: 2 }),
      [1, 8, 8, 16],
      [1, 8, 8, 32],
      cbn(1, 16, 32) + 2 * (2 * cbn(3, 16, 16)) + cbn(1, 64, 32),
    ],
    [
      "SPPF 32→32",
      () => new Sppf(32, 32, rng),
      [1, 8, 8, 32],
      [1, 8, 8, 32],
      cbn(1, 32, 16) + cbn(1, 64, 32),
    ],
    [
      "BasicBlock 16→32 s2",
      () => new BasicBlock(16, 32, rng, { stride: 2 }),
      [1, 8, 8, 16],
      [1, 4, 4, 32],
      cbn(3, 16, 32) + cbn(3, 32, 32) + cbn(1, 16, 32),
    ],
    [
      "ResBottleneck 64→16·4",
      () => new ResBottleneck(64, 16, rng),
      [1, 8, 8, 64],
      [1, 8, 8, 64],
      cbn(1, 64, 16) + cbn(3, 16, 16) + cbn(1, 16, 64),
    ],
    [
      "DepthwiseSeparable 8→16 s2",
      () => new DepthwiseSeparable(8, 16, rng, { stride: 2 }),
      [1, 8, 8, 8],
      [1, 4, 4, 16],
      9 * 8 + 2 * 8 + cbn(1, 8, 16),
    ],
    [
      "InvertedResidual 16→16 t6",
      () => new InvertedResidual(16, 16, rng, { stride: 1, expandRatio: 6 }),
      [1, 8, 8, 16],
      [1, 8, 8, 16],
      cbn(1, 16, 96) + 9 * 96 + 2 * 96 + cbn(1, 96, 16),
    ],
  ] as const) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const m = make();
      expect(params(m)).toBe(count);
      const x = rng.normalTensor([...inShape]) as tf.Tensor4D;
      const y = tf.tidy(() => m.call(x));
      expect(y.shape).toEqual(outShape);
      expect(y.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([x, y]);
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("Bottleneck adds the residual only when shapes match and shortcut is on", () => {
    const a = new Bottleneck(8, 8, new Rng(1), { shortcut: true });
    const b = new Bottleneck(8, 8, new Rng(1), { shortcut: false });
    const x = new Rng(2).normalTensor([1, 4, 4, 8]) as tf.Tensor4D;
    const d = tf.tidy(() => Array.from(tf.sub(a.call(x), b.call(x)).dataSync()));
    expect(d.map((v) => +v.toFixed(5))).toEqual(Array.from(x.dataSync()).map((v) => +v.toFixed(5)));
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });
});
