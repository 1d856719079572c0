import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ChannelAttention, PositionAttention } from "./rdkd-attention";
import { expectNoLeak, randn } from "../testing/grad-check";
import { useCpuBackend } from "../testing/backend";

beforeAll(useCpuBackend);

type Mat = number[][];
const softmaxRow = (r: number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};
/** Rows (positions) × channels of one NHWC image. */
const rows = (x: tf.Tensor, n: number): Mat => {
  const [, h, w, c] = x.shape as number[];
  const d = Array.from(x.dataSync());
  return Array.from({ length: h! * w! }, (_, i) =>
    d.slice((n * h! * w! + i) * c!, (n * h! * w! + i + 1) * c!),
  );
};
/** 1×1 conv of rows with HWIO weight `[1,1,Cin,Cout]` and bias. */
const lin = (r: Mat, wt: tf.Variable, b: tf.Variable | null): Mat => {
  const cout = wt.shape[3]!;
  const wd = wt.dataSync();
  const bd = b?.dataSync();
  return r.map((x) =>
    Array.from({ length: cout }, (_, o) => x.reduce((s, v, i) => s + v * wd[i * cout + o]!, bd ? bd[o]! : 0)),
  );
};

describe("rdkd attention (DANet)", () => {
  it("position attention equals γ · softmax_j(B_i·C_j) D (plain-JS oracle)", () => {
    const x = randn([2, 2, 3, 8], 1) as tf.Tensor4D;
    const pam = new PositionAttention(8, { reduction: 4, gammaInit: 0.7, seed: 3, name: "t_pam" });
    const got = tf.tidy(() => pam.apply(x).dataSync());
    for (let n = 0; n < 2; n++) {
      const r = rows(x, n);
      const q = lin(r, pam.query.weight, pam.query.bias);
      const k = lin(r, pam.key.weight, pam.key.bias);
      const v = lin(r, pam.value.weight, pam.value.bias);
      expect(q[0]!.length).toBe(2); // 8 / 4
      q.forEach((qi, i) => {
        const a = softmaxRow(k.map((kj) => qi.reduce((s, val, c) => s + val * kj[c]!, 0)));
        for (let c = 0; c < 8; c++) {
          const want = 0.7 * a.reduce((s, aij, j) => s + aij * v[j]![c]!, 0);
          expect(got[(n * 6 + i) * 8 + c]!).toBeCloseTo(want, 5);
        }
      });
    }
    pam.dispose();
    x.dispose();
  });

  it("channel attention equals γ · X softmax(−XᵀX)ᵀ, i.e. DANet's softmax(max − E)", () => {
    const x = randn([1, 2, 2, 3], 2, 0.5) as tf.Tensor4D;
    const cam = new ChannelAttention({ gammaInit: -1.5, name: "t_cam" });
    const got = tf.tidy(() => cam.apply(x).dataSync());
    const r = rows(x, 0);
    const e = [0, 1, 2].map((c) => [0, 1, 2].map((c2) => r.reduce((s, p) => s + p[c]! * p[c2]!, 0)));
    const att = e.map((row) => softmaxRow(row.map((v) => Math.max(...row) - v)));
    r.forEach((p, i) => {
      for (let c = 0; c < 3; c++)
        expect(got[i * 3 + c]!).toBeCloseTo(-1.5 * att[c]!.reduce((s, a, c2) => s + a * p[c2]!, 0), 5);
    });
    cam.dispose();
    x.dispose();
  });

  it("γ = 0 (DANet init) gives 0; no leaks; dispose frees the variables", () => {
    const x = randn([1, 3, 3, 4], 3) as tf.Tensor4D;
    const pam = new PositionAttention(4, { name: "t_pam0" });
    const cam = new ChannelAttention({ name: "t_cam0" });
    expect(pam.variables.length).toBe(7);
    expectNoLeak(() => {
      const a = tf.tidy(() => tf.abs(pam.apply(x)).max().dataSync()[0]!);
      const b = tf.tidy(() => tf.abs(cam.apply(x)).max().dataSync()[0]!);
      expect(a + b).toBe(0);
    });
    const before = tf.memory().numTensors;
    pam.dispose();
    cam.dispose();
    expect(tf.memory().numTensors).toBe(before - 8);
    x.dispose();
  });
});
