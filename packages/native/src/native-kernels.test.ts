import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
import { describe, expect, it } from "vitest";
import { loadAddon } from "./addon";
import { BN_SILU_BACKWARD, BN_SILU_FORWARD } from "./bn-silu-kernels";
import { isNativeRegistered, registerNativeKernels } from "./register";

/*
 * The oneDNN kernels against the tfjs cpu backend (pure JS reference kernels and tfjs autodiff of
 * composed ops). They run on 'wasm' with 1 XNNPACK thread and 2 OpenMP threads.
 */

function seeded(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0;
  const v = Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
  return tf.tensor(v, shape);
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}

async function on(backend: "cpu" | "wasm", fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const v = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return v;
}

type Pad = "same" | "valid" | number;
const CONVS: { name: string; x: number[]; w: number[]; s: number | [number, number]; pad: Pad }[] = [
  { name: "3x3 s1 same", x: [2, 9, 9, 3], w: [3, 3, 3, 4], s: 1, pad: "same" },
  { name: "3x3 s2 same even", x: [2, 10, 10, 8], w: [3, 3, 8, 16], s: 2, pad: "same" },
  { name: "3x3 s2 same odd", x: [2, 11, 9, 3], w: [3, 3, 3, 4], s: 2, pad: "same" },
  { name: "3x3 s2 valid (floor)", x: [2, 10, 11, 3], w: [3, 3, 3, 4], s: 2, pad: "valid" },
  { name: "3x3 strides [1,2] pad 1", x: [1, 8, 9, 5], w: [3, 3, 5, 6], s: [1, 2], pad: 1 },
  { name: "6x6 s2 pad 2", x: [2, 16, 16, 3], w: [6, 6, 3, 8], s: 2, pad: 2 },
  { name: "1x1 s1", x: [2, 7, 6, 32], w: [1, 1, 32, 16], s: 1, pad: "valid" },
  { name: "1x1 s2 same", x: [2, 7, 6, 5], w: [1, 1, 5, 6], s: 2, pad: "same" },
  { name: "3x3 s1 32->64", x: [1, 10, 10, 32], w: [3, 3, 32, 64], s: 1, pad: "same" },
  // Shapes of the detectors' 64-px overfit runs (ResNet-50 FCOS, YOLOX-N): wide channels, a 7×7 stem,
  // 1×1 and 2×2 maps, batch 1.
  { name: "7x7 s2 pad 3, 3->64 (ResNet stem)", x: [2, 32, 32, 3], w: [7, 7, 3, 64], s: 2, pad: 3 },
  {
    name: "1x1 s2 valid 256->512 (ResNet downsample)",
    x: [2, 8, 8, 256],
    w: [1, 1, 256, 512],
    s: 2,
    pad: "valid",
  },
  { name: "3x3 s2 pad 1 on 1x1 input (FCOS P7)", x: [2, 1, 1, 64], w: [3, 3, 64, 48], s: 2, pad: 1 },
  { name: "3x3 s1 same 128->128 on 2x2, batch 1", x: [1, 2, 2, 128], w: [3, 3, 128, 128], s: 1, pad: "same" },
  {
    name: "3x3 s1 same 12->16 (YOLOX-N Focus conv)",
    x: [2, 32, 32, 12],
    w: [3, 3, 12, 16],
    s: 1,
    pad: "same",
  },
];

/** y = conv(x, w) and dL/dx, dL/dW of L = Σ y ⊙ r. */
function convAndGrads(c: (typeof CONVS)[number]): tf.Tensor[] {
  const x = seeded(c.x, 1) as tf.Tensor4D;
  const w = seeded(c.w, 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.s, c.pad);
  const r = seeded(y.shape, 3);
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r));
  return [y, ...tf.grads(f)([x, w])];
}

/** BatchNorm (batch statistics) + SiLU and its gradients, through the fused kernels or composed tf ops. */
function bnSilu(fused: boolean, shape: number[]): tf.Tensor[] {
  const c = shape[shape.length - 1]!;
  const x = seeded(shape, 61).mul(3).add(0.5);
  const gamma = seeded([c], 62).add(1.2);
  const beta = seeded([c], 63);
  const r = seeded(shape, 64);
  const eps = 1e-3;
  const composed = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const axes = shape.map((_, i) => i).slice(0, -1);
    const { mean, variance } = tf.moments(a, axes);
    const z = tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, eps))), g), b);
    return tf.mul(z, tf.sigmoid(z));
  };
  if (!fused)
    return [
      composed(x, gamma, beta),
      ...tf.grads((a, g, b) => tf.sum(tf.mul(composed(a!, g!, b!), r)))([x, gamma, beta]),
    ];
  const e = tf.engine();
  const [out, mean, inv] = e.runKernel(BN_SILU_FORWARD, { x, gamma, beta }, { eps } as never) as tf.Tensor[];
  const dy = r;
  const grads = e.runKernel(BN_SILU_BACKWARD, { dy, x, gamma, beta, mean: mean!, inv: inv! }) as tf.Tensor[];
  return [out!, ...grads];
}

const load = loadAddon();

if (load.addon == null) {
  describe("@kdet/native without its addon", () => {
    it("registers nothing and says why", async () => {
      await tf.setBackend("wasm");
      const info = registerNativeKernels(2);
      expect(info.active).toBe(false);
      expect(info.message).toMatch(/not built|KDET_NATIVE|failed to load/);
      expect(isNativeRegistered(tf.Conv2D)).toBe(false);
    });
  });
} else {
  describe("@kdet/native oneDNN kernels on wasm equal the cpu backend", () => {
    it("registers the convs, the fused BN+SiLU pair and BatchMatMul", async () => {
      await tf.setBackend("wasm");
      const info = registerNativeKernels(2);
      expect(info.active).toBe(true);
      expect(info.message).toMatch(/^oneDNN \d+\.\d+\.\d+, 2 thread\(s\)/);
      for (const k of [
        tf.Conv2D,
        tf.Conv2DBackpropInput,
        tf.Conv2DBackpropFilter,
        BN_SILU_FORWARD,
        BN_SILU_BACKWARD,
        tf.BatchMatMul,
      ])
        expect(isNativeRegistered(k), k).toBe(true);
      expect(load.addon!.convImpl(0, [8, 32, 32, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1])).not.toBe("");
    });

    it("KDET_NATIVE=0 puts back the kernels they replaced; a later call registers them again", async () => {
      await tf.setBackend("wasm");
      registerNativeKernels(2);
      const conv = tf.getKernel(tf.Conv2D, "wasm")!.kernelFunc as tf.KernelFunc & Record<symbol, unknown>;
      const wrapped = conv[Symbol.for("kdet.kernel.wraps")];
      const saved = process.env.KDET_NATIVE;
      process.env.KDET_NATIVE = "0";
      try {
        const off = registerNativeKernels(2);
        expect(off).toEqual({ active: false, kernels: [], message: "disabled by KDET_NATIVE=0" });
        expect(isNativeRegistered(tf.Conv2D)).toBe(false);
        expect(tf.getKernel(tf.Conv2D, "wasm")!.kernelFunc).toBe(wrapped);
        expect(tf.getKernel(BN_SILU_FORWARD, "wasm")).toBeUndefined();
      } finally {
        if (saved == null) delete process.env.KDET_NATIVE;
        else process.env.KDET_NATIVE = saved;
      }
      expect(registerNativeKernels(2).active).toBe(true);
      expect(isNativeRegistered(tf.Conv2D)).toBe(true);
    });

    for (const c of CONVS) {
      it(`conv ${c.name}: y, dx, dW`, async () => {
        const ref = await on("cpu", () => convAndGrads(c));
        registerNativeKernels(2);
        const got = await on("wasm", () => convAndGrads(c));
        ["y", "dx", "dW"].forEach((n, i) => expect(relErr(got[i]!, ref[i]!), n).toBeLessThan(1e-4));
      });
    }

    for (const shape of [
      [3, 6, 5, 4],
      [2, 33, 17, 64],
      [700, 3],
    ]) {
      it(`BN+SiLU [${shape}]: value, dx, dgamma, dbeta equal tfjs autodiff of the composed ops`, async () => {
        const ref = await on("cpu", () => bnSilu(false, shape));
        registerNativeKernels(2);
        const got = await on("wasm", () => bnSilu(true, shape));
        ["value", "dx", "dgamma", "dbeta"].forEach((n, i) =>
          expect(relErr(got[i]!, ref[i]!), n).toBeLessThan(1e-4),
        );
      });
    }

    it("Concat (axes 3, 1, 0; float32 and int32) and SplitV equal the cpu backend", async () => {
      const run = () => {
        const a = seeded([2, 5, 4, 3], 11);
        const b = seeded([2, 5, 4, 6], 12);
        const c = seeded([2, 3, 4, 3], 13);
        const big = seeded([4, 64, 64, 16], 14);
        const ints = tf.cast(tf.mul(seeded([2, 5, 4, 3], 15), 100), "int32");
        const [s1, s2, s3] = tf.split(big, [3, 5, 8], 3);
        return [
          tf.concat([a, b, a], 3),
          tf.concat([a, c], 1),
          tf.concat([a, a], 0),
          tf.concat([big, big], 3),
          tf.cast(tf.concat([ints, ints], 3), "float32"),
          s1!,
          s2!,
          s3!,
          ...tf.split(a, [1, 2, 2], 1),
        ];
      };
      const ref = await on("cpu", run);
      registerNativeKernels(2);
      const got = await on("wasm", run);
      got.forEach((g, i) => expect(Array.from(g), `output ${i}`).toEqual(Array.from(ref[i]!)));
    });

    for (const [name, shape, size, stride, pad] of [
      ["2x2 s2 valid", [2, 8, 8, 3], 2, 2, "valid"],
      ["5x5 s1 same (SPPF, ties)", [2, 8, 8, 4], 5, 1, "same"],
      ["3x3 s2 same odd", [1, 9, 7, 5], 3, 2, "same"],
    ] as const) {
      it(`MaxPoolGrad ${name} equals the cpu backend`, async () => {
        const run = () => {
          // Rounded values make ties, where the first maximum of the window must win.
          const x = tf.round(tf.mul(seeded([...shape], 21), 3));
          const r = seeded(tf.maxPool(x as tf.Tensor4D, size, stride, pad).shape, 22);
          return [
            tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), r)))(x),
          ];
        };
        const ref = await on("cpu", run);
        registerNativeKernels(2);
        const got = await on("wasm", run);
        // A wrong tie choice moves a whole dy value (error ~1); summation order differs by ~1e-8.
        expect(relErr(got[0]!, ref[0]!)).toBeLessThan(1e-6);
      });
    }

    // [a shape, b shape, transposeA, transposeB]: every transposition, a broadcast single matrix on either side,
    // rank-4 batches, and outer dims that broadcast both ways ([2,1] by [1,3]: the kernel registered before runs it)
    const PRODUCTS: [number[], number[], boolean, boolean][] = [
      [[37, 53], [53, 29], false, false],
      [[53, 37], [53, 29], true, false],
      [[37, 53], [29, 53], false, true],
      [[53, 37], [29, 53], true, true],
      [[3, 17, 40], [40, 9], false, false],
      [[17, 40], [3, 9, 40], false, true],
      [[2, 3, 40, 17], [2, 3, 40, 9], true, false],
      [[2, 1, 5, 7], [1, 3, 7, 4], false, false],
    ];
    for (const [sa, sb, ta, tb] of PRODUCTS)
      it(`BatchMatMul [${sa}]${ta ? "ᵀ" : ""} · [${sb}]${tb ? "ᵀ" : ""} equals the cpu backend`, async () => {
        const run = () => [tf.matMul(seeded(sa, 31), seeded(sb, 32), ta, tb)];
        const ref = await on("cpu", run);
        registerNativeKernels(2);
        const got = await on("wasm", run);
        expect(got[0]!.length).toBe(ref[0]!.length);
        expect(relErr(got[0]!, ref[0]!)).toBeLessThan(1e-5);
      });

    it("a fully connected layer's value and gradients (transposed products) equal the cpu backend", async () => {
      const run = () => {
        const [x, w, r] = [seeded([24, 300], 41), seeded([300, 70], 42), seeded([24, 70], 43)];
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.matMul(a, b)), r));
        return [tf.matMul(x, w), ...tf.grads(f)([x, w])];
      };
      const ref = await on("cpu", run);
      registerNativeKernels(2);
      const got = await on("wasm", run);
      got.forEach((g, i) => expect(relErr(g, ref[i]!), `output ${i}`).toBeLessThan(1e-5));
    });

    it("BN+SiLU gives the same bits on 1 and 2 threads (fixed-order reductions)", () => {
      const addon = load.addon!;
      const [m, c] = [8 * 33 * 17, 16];
      const x = Float32Array.from({ length: m * c }, (_, i) => Math.sin(i * 0.37) * 3 + 1);
      const gamma = new Float32Array(c).fill(1.1);
      const beta = new Float32Array(c).fill(0.1);
      const run = (threads: number) => {
        addon.setThreads(threads);
        const [out, dx] = [new Float32Array(m * c), new Float32Array(m * c)];
        const [mean, inv, dg, db] = [0, 1, 2, 3].map(() => new Float32Array(c)) as [
          Float32Array,
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        addon.bnSiluForward(x, gamma, beta, 1e-3, m, c, out, mean, inv);
        addon.bnSiluBackward(out, x, gamma, beta, mean, inv, m, c, dx, dg, db);
        return [out, mean, inv, dx, dg, db].map((t) => Buffer.from(t.buffer).toString("base64"));
      };
      expect(run(2)).toEqual(run(1));
    });

    it("a conv shape the geometry does not match is an error naming the kernel", async () => {
      await tf.setBackend("wasm");
      registerNativeKernels(1);
      const dy = tf.zeros([1, 4, 4, 2]);
      expect(() =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.zeros([1, 9, 9, 3]), dy }, {
          strides: 1,
          pad: "same",
          dataFormat: "NHWC",
          filterShape: [3, 3, 3, 2],
        } as never),
      ).toThrow(
        /Conv2DBackpropFilter \(native\): input 1 has shape \[1,4,4,2\], the conv geometry needs \[1,9,9,2\]/,
      );
      tf.disposeVariables();
    });

    it("leaves no tensors behind", async () => {
      await tf.setBackend("wasm");
      registerNativeKernels(2);
      const before = tf.memory().numTensors;
      for (const c of CONVS.slice(0, 4)) tf.dispose(tf.tidy(() => convAndGrads(c)));
      tf.dispose(tf.tidy(() => bnSilu(true, [2, 5, 5, 8])));
      tf.dispose(
        tf.tidy(() =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a, b)))([
            tf.ones([8, 9]),
            tf.ones([9, 5]),
          ]),
        ),
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
