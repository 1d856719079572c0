/**
 * bench/demo/tune.ts: tunes the `kdet demo` preset on the VAL split only (the demo protocol: val for
 * tuning, test once). Runs the demo's own `runDemo` with a preset patch, student seeds and methods, and
 * prints each stage's final val mAP, per-method paired val gains (mean ± sample std over seeds). Test
 * numbers are written to the run folder by the demo but never printed here.
 *
 *   pnpm exec tsx bench/demo/tune.ts --out /tmp/tune --patch '{"student":{"train":{"epochs":8}}}' --methods cwd,qfl-kd --seeds 1,2,3
 *
 * The teacher and data are cached in `<out>/.kdet-cache` (the demo's --reuse) and shared by every trial with the same
 * data and teacher settings.
 */
import { register } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

const { DEMO_PRESETS, runDemo } = await import("../../packages/cli/src/demo");
const { createRunFolder } = await import("../../packages/cli/src/run-folder");
const { bufferIo } = await import("../../packages/cli/src/cli-io");
const { startBackend } = await import("../../packages/cli/src/backend");

const args = process.argv.slice(2);
const arg = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const out = arg("--out", "/tmp/kdet-tune");
const patch = JSON.parse(arg("--patch", "{}")) as Record<string, unknown>;
const methods = arg("--methods", "cwd").split(",");
const seeds = arg("--seeds", "1,2,3").split(",").map(Number);

/** Deep merge of plain objects (arrays and scalars replace). */
function merge<T>(a: T, b: unknown): T {
  if (
    typeof a !== "object" ||
    a === null ||
    Array.isArray(a) ||
    typeof b !== "object" ||
    b === null ||
    Array.isArray(b)
  )
    return (b === undefined ? a : b) as T;
  const r: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) r[k] = merge(r[k], v);
  return r as T;
}

const preset = merge(DEMO_PRESETS.default, patch);
const io = bufferIo();
await startBackend(io, "auto");
const dir = await createRunFolder(out, "tune");
const t0 = performance.now();
// progress every 30 s, without the test-split lines (tuning never looks at test)
const errLog = setInterval(() => {
  const last = io.err
    .join("")
    .trim()
    .split("\n")
    .filter((l) => !/ on test/.test(l))
    .at(-1);
  if (last) console.error(last.slice(0, 160));
}, 30_000);
await runDemo({
  preset,
  methods: methods as never,
  seeds,
  dir,
  out,
  resumed: false,
  reuse: true,
  backend: "auto",
  io,
});
clearInterval(errLog);
const r = JSON.parse(readFileSync(path.join(dir, "results.json"), "utf8")) as {
  stages: Record<string, { valMAP: number | null; seconds: number }>;
};
const v = (name: string) => 100 * (r.stages[name]?.valMAP ?? NaN);
const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const std = (x: number[]) =>
  Math.sqrt(x.reduce((a, b) => a + (b - mean(x)) ** 2, 0) / Math.max(1, x.length - 1));
const base = seeds.map((s) => v(`baseline-s${s}`));
console.log(
  `patch ${JSON.stringify(patch)}; ${((performance.now() - t0) / 60000).toFixed(1)} min; dir ${dir}`,
);
console.log(`teacher val mAP ${v("teacher").toFixed(1)}`);
console.log(
  `baseline val mAP ${base.map((x) => x.toFixed(1)).join(" ")}  mean ${mean(base).toFixed(1)} ± ${std(base).toFixed(1)}`,
);
for (const m of methods) {
  const x = seeds.map((s) => v(`${m}-s${s}`));
  const g = x.map((e, i) => e - base[i]!);
  console.log(
    `${m} val mAP ${x.map((e) => e.toFixed(1)).join(" ")}  mean ${mean(x).toFixed(1)} ± ${std(x).toFixed(1)}; paired gain ${mean(g).toFixed(1)} ± ${std(g).toFixed(1)}`,
  );
}
