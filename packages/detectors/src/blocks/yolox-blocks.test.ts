import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { CspLayer, Focus, focusSpaceToDepth, yoloxConv } from "./yolox-blocks";

beforeAll(useTestBackend);

const params = (m: { trainableVariables(): tf.Variable[] }) =>
  m.trainableVariables().reduce((a, v) => a + v.size, 0);
/** conv k×k (no bias) + BN (γ, β): k²·in·out + 2·out; depthwise k×k + BN: k²·c + 2c. */
const cbn = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;
const dwc = (k: number, c: number) => k * k * c + 2 * c;

describe("YOLOX blocks", () => {
  it("focusSpaceToDepth takes the phases top-left, bottom-left, top-right, bottom-right (YOLOX Focus order)", () => {
    const [N, H, W, C] = [2, 4, 6, 2];
    const v = new Float32Array(N * H * W * C).map((_, i) => i);
    const at = (n: number, y: number, x: number, c: number) => ((n * H + y) * W + x) * C + c;
    const expected: number[] = [];
    for (let n = 0; n < N; n++)
      for (let i = 0; i < H / 2; i++)
        for (let j = 0; j < W / 2; j++)
          for (const [dy, dx] of [
            [0, 0],
            [1, 0],
            [0, 1],
            [1, 1],
          ] as const)
            for (let c = 0; c < C; c++) expected.push(at(n, 2 * i + dy, 2 * j + dx, c));
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(v, [N, H, W, C]);
    const y = focusSpaceToDepth(x);
    expect(y.shape).toEqual([N, H / 2, W / 2, 4 * C]);
    expect(Array.from(y.dataSync())).toEqual(expected);
    // the gradient is the inverse permutation: d Σ(y·w)/dx = w scattered back
    const w = tf.tensor4d(
      expected.map((e) => e * 3 + 1),
      y.shape,
    );
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(focusSpaceToDepth(t as tf.Tensor4D), w)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(v, (e) => e * 3 + 1));
    tf.dispose([x, y, w, g]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => focusSpaceToDepth(tf.zeros([1, 3, 4, 1]) as tf.Tensor4D)).toThrow(
      /focusSpaceToDepth: input 3×4 must have even/,
    );
  });

  it("shapes and parameter counts (YOLOX module formulas)", () => {
    const rng = new Rng(2);
    const before = tf.memory().numTensors;
    const cases: Array<
      [
        string,
        { call(x: tf.Tensor4D): tf.Tensor4D; trainableVariables(): tf.Variable[]; dispose(): void },
        [number, number, number, number],
        number[],
        number,
      ]
    > = [
      // CSPLayer(16 → 32, n 2): conv1, conv2 1×1 16→16, 2 × (1×1 16→16, 3×3 16→16), conv3 1×1 32→32
      [
        "CspLayer",
        new CspLayer(16, 32, rng, { n: 2 }),
        [1, 8, 8, 16],
        [1, 8, 8, 32],
        2 * cbn(1, 16, 16) + 2 * (cbn(1, 16, 16) + cbn(3, 16, 16)) + cbn(1, 32, 32),
      ],
      // depthwise: bottleneck 3×3 becomes dw 3×3 + pw 1×1
      [
        "CspLayer depthwise",
        new CspLayer(16, 32, rng, { n: 1, depthwise: true }),
        [1, 8, 8, 16],
        [1, 8, 8, 32],
        2 * cbn(1, 16, 16) + cbn(1, 16, 16) + dwc(3, 16) + cbn(1, 16, 16) + cbn(1, 32, 32),
      ],
      ["Focus 3→16", new Focus(3, 16, rng), [2, 8, 8, 3], [2, 4, 4, 16], cbn(3, 12, 16)],
      [
        "yoloxConv dw s2",
        yoloxConv(8, 16, rng, { kernel: 3, stride: 2, depthwise: true }),
        [1, 8, 8, 8],
        [1, 4, 4, 16],
        dwc(3, 8) + cbn(1, 8, 16),
      ],
    ];
    for (const [name, m, inShape, outShape, count] of cases) {
      const x = tf.zeros(inShape) as tf.Tensor4D;
      const y = tf.tidy(() => m.call(x));
      expect(y.shape, name).toEqual(outShape);
      expect(params(m), name).toBe(count);
      tf.dispose([x, y]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
