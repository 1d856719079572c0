import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, seeded, seededTensor } from "./test-support";

const SHAPES: Record<string, number[]> = {
  stem: [3, 3, 3, 8], // conv 3x3 s2
  dw: [3, 3, 8, 1], // depthwise 3x3 s1
  pw: [1, 1, 8, 8], // conv 1x1
  c3: [3, 3, 8, 16], // conv 3x3 s1 after maxPool 2x2 s2
  dw2: [3, 3, 24, 1], // depthwise 3x3 s2 after concat
  head: [3, 3, 24, 12], // conv 3x3 s2
  table: [10, 12], // gathered embedding
};

/**
 * A small net with every op class the kdet kernels cover: conv s1/s2 (3x3, 1x1), depthwise s1/s2,
 * maxPool 2x2 s2 and an SPPF-like chain of 5x5 s1 maxPools (ties), nearest ×2 upsampling, concat,
 * gather, SiLU. Returns the loss and all parameter gradients (in SHAPES order).
 */
function netGrads(): tf.Tensor[] {
  const params = Object.entries(SHAPES).map(([name, shape], i) =>
    tf.variable(seededTensor(shape, 100 + i).mul(0.5), true, `p_${name}_${Math.random()}`),
  );
  const [stem, dw, pw, c3, dw2, head, table] = params as [
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R2>,
  ];
  const x = seededTensor([2, 16, 16, 3], 1) as tf.Tensor4D;
  const idx = tf.tensor1d(
    Array.from(seeded(32, 2), (v) => Math.floor((v + 1) * 5)),
    "int32",
  );
  const silu = (t: tf.Tensor4D) => tf.mul(t, tf.sigmoid(t)) as tf.Tensor4D;
  const loss = (): tf.Scalar => {
    const a = silu(tf.conv2d(x, stem, 2, "same")); // [2,8,8,8]
    const b = silu(tf.conv2d(silu(tf.depthwiseConv2d(a, dw, 1, "same")), pw, 1, "valid")); // [2,8,8,8]
    const p1 = tf.maxPool(b, 5, 1, "same");
    const sppf = tf.maxPool(tf.maxPool(p1, 5, 1, "same"), 5, 1, "same");
    const down = silu(tf.conv2d(tf.maxPool(b, 2, 2, "valid"), c3, 1, "same")); // [2,4,4,16]
    const up = tf.image.resizeNearestNeighbor(down, [8, 8]); // [2,8,8,16]
    const cat = tf.concat([up, tf.add(sppf, p1)], 3) as tf.Tensor4D; // [2,8,8,24]
    const h = tf.conv2d(silu(tf.depthwiseConv2d(cat, dw2, 2, "same")), head, 2, "same"); // [2,2,2,12]
    const emb = tf.reshape(tf.gather(table, idx), [2, 4, 4, 12]);
    const out = tf.add(tf.image.resizeNearestNeighbor(h as tf.Tensor4D, [4, 4]), emb);
    return tf.mean(tf.square(tf.sub(out, 0.1)));
  };
  const { value, grads } = tf.variableGrads(loss);
  const out = [value, ...params.map((p) => grads[p.name]!)];
  tf.dispose(params);
  return out;
}

async function run(backend: "cpu" | "wasm"): Promise<Float32Array[]> {
  await initBackend({ backend, quiet: true });
  const outs = tf.tidy(netGrads);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

describe("a small detector-like net trains identically on wasm+kdet kernels and cpu+fix", () => {
  it("gives the same loss and parameter gradients (1e-4 relative per tensor)", async () => {
    const cpu = await run("cpu");
    const wasm = await run("wasm");
    expect(wasm.length).toBe(Object.keys(SHAPES).length + 1);
    expect(Math.abs(wasm[0]![0]! - cpu[0]![0]!)).toBeLessThan(1e-5 * Math.abs(cpu[0]![0]!));
    Object.keys(SHAPES).forEach((name, i) => {
      const g = cpu[i + 1]!;
      expect(
        g.some((v) => v !== 0),
        `${name} has a nonzero gradient`,
      ).toBe(true);
      expect(relativeError(wasm[i + 1]!, g), name).toBeLessThan(1e-4);
    });
  });

  it("is deterministic for a thread count and leaks nothing over repeated steps", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const first = await run("wasm");
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const again = await run("wasm");
      again.forEach((v, j) => expect(Array.from(v)).toEqual(Array.from(first[j]!)));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
