/**
 * Per-kernel thread scaling on the backend `initBackend()` picks (native oneDNN path where built;
 * `KDET_NATIVE=0` for kdet's XNNPACK kernels): the kernels of the training step that are not
 * convolutions, at the shapes of the bench net (net.ts, batch 8 at 256²), timed in one process per
 * thread count (the wasm thread count is fixed per process), 1 thread against 2.
 *
 *   pnpm exec tsx bench/train-step/op-scaling.ts            median of 15 calls per kernel and shape
 *   flags: --reps N
 */
import { spawnSync } from "node:child_process";
import { register } from "node:module";
import os from "node:os";
import { fileURLToPath } from "node:url";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

type Timings = { message: string; ms: Record<string, number> };

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf("--reps") + 1] ?? 15) || 15;

/** The bench net's activation shapes (NHWC) at batch 8, 256²: widths 16/32/64/128/256 at strides 2–32. */
const SHAPES: [number, number, number, number][] = [
  [8, 128, 128, 16],
  [8, 64, 64, 32],
  [8, 32, 32, 64],
  [8, 16, 16, 128],
  [8, 8, 8, 256],
];

async function child(threads: number): Promise<Timings> {
  const { tf } = await import("./tf");
  const { initBackend } = await import("../../packages/core/src/backend/index");
  const { BN_SILU_BACKWARD, BN_SILU_FORWARD } = await import("../../packages/native/src/index");
  const info = await initBackend({ backend: "wasm", threads, quiet: true });
  const e = tf.engine();
  const ms: Record<string, number> = {};
  const time = (name: string, f: () => unknown) => {
    const t: number[] = [];
    for (let i = 0; i < reps + 2; i++) {
      tf.tidy(() => {
        const t0 = performance.now();
        f();
        t.push(performance.now() - t0);
      });
    }
    t.splice(0, 2); // warm-up (first-call setup, allocation)
    t.sort((a, b) => a - b);
    ms[name] = t[Math.floor(t.length / 2)]!;
  };
  for (const s of SHAPES) {
    const key = s.join("×");
    const [x, y, dy] = [1, 2, 3].map((seed) => tf.randomNormal(s, 0, 1, "float32", seed) as TF4);
    const c = s[3];
    const gamma = tf.ones([c]);
    const beta = tf.zeros([c]);
    const hasBn = tf.getKernel(BN_SILU_FORWARD, "wasm") != null;
    if (hasBn) {
      const [, mean, inv] = e.runKernel(BN_SILU_FORWARD, { x: x!, gamma, beta }, {
        eps: 1e-3,
      } as never) as TF4[];
      time(`BN+SiLU forward ${key}`, () =>
        e.runKernel(BN_SILU_FORWARD, { x: x!, gamma, beta }, { eps: 1e-3 } as never),
      );
      time(`BN+SiLU gradient ${key}`, () =>
        e.runKernel(BN_SILU_BACKWARD, { dy: dy!, x: x!, gamma, beta, mean: mean!, inv: inv! }),
      );
    }
    time(`Add ${key}`, () => tf.add(x!, y!));
    time(`Concat 2 × ${key}`, () => tf.concat([x!, y!], 3));
    time(`SplitV 2 halves of ${key}`, () => tf.split(x!, 2, 3));
    if (s[1] <= 32) {
      const big = tf.randomNormal([s[0], s[1] * 2, s[2] * 2, c], 0, 1, "float32", 4) as TF4;
      time(`ResizeNearestNeighborGrad ${key} → ×2`, () =>
        e.runKernel(tf.ResizeNearestNeighborGrad, { images: x!, dy: big }, {
          alignCorners: false,
          halfPixelCenters: false,
        } as never),
      );
    }
    time(`MaxPoolGrad 5×5 s1 ${key}`, () =>
      e.runKernel(tf.MaxPoolGrad, { dy: dy!, input: x!, output: x! }, {
        filterSize: 5,
        strides: 1,
        pad: 2,
      } as never),
    );
  }
  return { message: info.message, ms };
}

type TF4 = import("./tf").TF.Tensor4D;

if (args[0] === "--child") {
  console.log(`RESULT ${JSON.stringify(await child(Number(args[1])))}`);
} else {
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const run = (threads: number): Timings & { load: string } => {
    const before = load();
    const r = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        "--child",
        String(threads),
        "--reps",
        String(reps),
      ],
      { encoding: "utf8", env: { ...process.env, KDET_BACKEND: "" }, timeout: 1_800_000 },
    );
    const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (line == null)
      throw new Error(`op-scaling child (${threads} thread(s)) failed: ${r.stderr.slice(-2000)}`);
    return { ...(JSON.parse(line.slice(7)) as Timings), load: `${before} → ${load()}` };
  };
  const one = run(1);
  const two = run(2);
  console.log(`1 thread: ${one.message} (load ${one.load})`);
  console.log(`2 threads: ${two.message} (load ${two.load})`);
  console.log(`median of ${reps} calls per kernel\n`);
  console.log("| kernel, shape | 1 thread ms | 2 threads ms | 1 / 2 |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const [name, t1] of Object.entries(one.ms)) {
    const t2 = two.ms[name]!;
    console.log(`| ${name} | ${t1.toFixed(2)} | ${t2.toFixed(2)} | ${(t1 / t2).toFixed(2)}× |`);
  }
}
