/**
 * bench/losses: forward and forward+backward time of every registered distillation-loss family
 * (through `Distiller`, one instance per level, adapters included), on a YOLO-n-sized pyramid, next to
 * the forward+backward time of a small conv net producing that pyramid from the images — so the
 * distillation overhead shows as a ratio.
 *
 *   pnpm exec tsx bench/losses/run.ts             batch 8 @ 320 (P3-P5 40/20/10, 64/128/256 ch), median of 5
 *   pnpm exec tsx bench/losses/run.ts --quick     batch 2 @ 128, 2 runs (smoke test)
 *   flags: --runs N, --only id1,id2, --no-write (do not write bench/losses/RESULTS.md)
 *
 * Backend: `initBackend()` of @kdet/core (tensorflow > wasm with kdet training kernels > cpu).
 */
import { createRequire, register } from "node:module";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

type TF = typeof import("../../packages/losses/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/losses/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;
const { initBackend } = await import("../../packages/core/src/backend/index");
const { Distiller, LOSS_IDS } = await import("@kdet/losses");
const { familyCases, pyramidInputs } = await import("../../packages/losses/src/testing/family-cases");
type Tensor = InstanceType<TF["Tensor"]>;
type Variable = InstanceType<TF["Variable"]>;

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag("--quick");
const runs = Number(opt("--runs") ?? (quick ? 2 : 5));
const only = opt("--only")?.split(",");

const spec = {
  batch: quick ? 2 : 8,
  imageSize: quick ? 128 : 320,
  levels: [
    { label: "p3", stride: 8, channels: 64 },
    { label: "p4", stride: 16, channels: 128 },
    { label: "p5", stride: 32, channels: 256 },
  ],
  numClasses: 80,
  regMax: 15,
  seed: 7,
};

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Runs `fn` once to warm up, then `runs` times; returns the median wall time (ms). */
function time(fn: () => void): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** Forward + backward of `f` w.r.t. `vars`, reading every gradient back (forces completion). */
function fwdBwd(f: () => Tensor, vars: Variable[]): void {
  const { value, grads } = tf.variableGrads(f as () => never, vars);
  value.dataSync();
  for (const g of Object.values(grads)) g.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
}

/** Reference: five 3×3 stride-2 convs (3→16→32→64→128→256, ReLU) from the images to P3–P5. */
function convNetMs(): { fwd: number; fwdBwd: number; params: number } {
  const chans = [3, 16, 32, 64, 128, 256];
  const weights = chans
    .slice(1)
    .map((c, i) =>
      tf.variable(tf.randomNormal([3, 3, chans[i]!, c], 0, Math.sqrt(2 / (9 * chans[i]!)), "float32", i + 1)),
    );
  const biases = chans.slice(1).map((c) => tf.variable(tf.zeros([c])));
  const images = tf.randomUniform([spec.batch, spec.imageSize, spec.imageSize, 3], 0, 1, "float32", 3);
  const r = [3, 4, 5].map((l, i) =>
    tf.randomNormal(
      [spec.batch, spec.imageSize >> l, spec.imageSize >> l, chans[l]!],
      0,
      1,
      "float32",
      10 + i,
    ),
  );
  const forward = () =>
    tf.tidy(() => {
      let x = images as Tensor;
      let loss = tf.scalar(0) as Tensor;
      weights.forEach((w, i) => {
        x = tf.relu(tf.add(tf.conv2d(x as never, w as never, 2, "same"), biases[i]!));
        if (i >= 2) loss = tf.add(loss, tf.sum(tf.mul(x, r[i - 2]!)));
      });
      return loss;
    });
  const vars = [...weights, ...biases];
  const res = {
    fwd: time(() => forward().dataSync() && undefined),
    fwdBwd: time(() => fwdBwd(forward, vars)),
    params: vars.reduce((a, v) => a + v.size, 0),
  };
  tf.dispose([...vars, images, ...r]);
  return res;
}

const info = await initBackend({ quiet: true });
const loadStart = load();
console.log(
  `${info.message}\nload ${loadStart}; batch ${spec.batch} @ ${spec.imageSize}, ${runs} timed runs (median)`,
);
const ref = convNetMs();
console.log(
  `conv net: fwd ${ref.fwd.toFixed(1)} ms, fwd+bwd ${ref.fwdBwd.toFixed(1)} ms (${ref.params} params)`,
);

const { student, teacher, ctx } = pyramidInputs(spec);
const cases = familyCases(spec);
const rows: string[] = [];
for (const id of LOSS_IDS) {
  if (only && !only.includes(id)) continue;
  const d = Distiller.create(cases[id].terms, { seed: 1 });
  const names = d.requiredFeatures.student;
  const svars = names.map((n) => tf.variable(student[n]!, true, `bench_${id}_${n}`));
  const rec = { ...student, ...Object.fromEntries(names.map((n, i) => [n, svars[i]!])) };
  const f = () => d.compute(rec, teacher, ctx).total as Tensor;
  const before = tf.memory().numTensors;
  const fwd = time(() => tf.tidy(() => f()).dispose());
  const fb = time(() => fwdBwd(f, [...svars, ...d.variables]));
  const leak = tf.memory().numTensors - before;
  const nvars = d.variables.reduce((a, v) => a + v.size, 0);
  const row = `| ${id} | ${d.partNames.length} | ${nvars} | ${fwd.toFixed(1)} | ${fb.toFixed(1)} | ${(fb / ref.fwdBwd).toFixed(3)} |${leak !== 0 ? ` leak ${leak}` : ""}`;
  console.log(row);
  rows.push(row);
  tf.dispose(svars);
  d.dispose();
}
const loadEnd = load();

const cpu = os.cpus();
const md = `# bench/losses — distillation-loss overhead

Forward and forward+backward time of every loss family in \`LOSSES\` (through \`Distiller\`: one loss
instance per pyramid level, each with its own adapters; gradients w.r.t. the student features and
every adapter variable), next to a small conv net's forward+backward on the same images.

- Machine: ${cpu[0]?.model ?? "?"}, ${cpu.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, tfjs-core ${tf.version_core}
- Backend: ${info.message}
- Command: \`pnpm exec tsx bench/losses/run.ts${args.length ? " " + args.join(" ") : ""}\`
- Load (1/5/15-min averages): ${loadStart} at start → ${loadEnd} at the end (other work shared the 2 cores)
- Input: batch ${spec.batch} at ${spec.imageSize}×${spec.imageSize}; pyramid P3/P4/P5 = ${spec.levels.map((l) => `${spec.imageSize / l.stride}²×${l.channels}`).join(", ")}; head: ${spec.numClasses} class logits and 4×${spec.regMax + 1} DFL logits per level; 3 GT boxes per image
- Reference: five 3×3 stride-2 convs + ReLU (3→16→32→64→128→256, ${ref.params} parameters) producing P3–P5 from the images: forward ${ref.fwd.toFixed(1)} ms, forward+backward **${ref.fwdBwd.toFixed(1)} ms**
- Times: median of ${runs} runs after one warm-up, ms. Ratio = loss fwd+bwd / reference fwd+bwd.

| family | instances | adapter params | fwd ms | fwd+bwd ms | ratio |
|---|---|---|---|---|---|
${rows.join("\n")}

Notes: each family's setup is \`familyCases\` in packages/losses/src/testing/family-cases.ts (paper defaults;
per-level channel configs where the family needs them; \`defeat\` runs one single-level term per level because its
config has one channel count; \`pgd\` includes both the cls and the reg branch). With a load average above the core
count, single timings vary by up to ~2× between runs (other jobs share the cores); re-run with load < 1 for clean numbers.
`;
if (!flag("--no-write")) {
  const out = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
  writeFileSync(out, md);
  console.log(`wrote ${out}`);
} else console.log(md);
