/**
 * bench/train-step/core-scaling: how much a second core can give this training step at all. Runs the native
 * configuration of `run.ts` (YOLOv8n-like net, 256², oneDNN convolutions + fused BN+SiLU, SGD step) as
 *   one process, 1 thread, batch 8            the 1-thread reference
 *   one process, 1 thread, batch 4            half the work
 *   two processes side by side, 1 thread each, batch 4: data parallelism with no communication at all
 *   two processes side by side, 1 thread each, batch 8: the machine's throughput with both cores busy
 *   one process, 2 threads, batch 8           what kdet does today
 * Two independent processes are the upper bound of any threading scheme (no synchronisation, no shared work), so
 * "batch 8 on 1 thread / slower of the two batch-4 processes" is the best 2-thread speed-up this step can reach on
 * this machine. Rounds alternate the configurations; medians over rounds of each process's median step.
 *
 *   OMP_WAIT_POLICY=passive pnpm exec tsx bench/train-step/core-scaling.ts [--rounds 3] [--steps 8]
 */
import { spawn } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { machine, type StepConfig, type StepResult } from "./step";

const RUN = fileURLToPath(new URL("./run.ts", import.meta.url));
const args = process.argv.slice(2);
const arg = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const rounds = Number(arg("--rounds", "3"));
const steps = Number(arg("--steps", "8"));

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** One `run.ts --child` process; resolves to its median step time (ms). */
function child(threads: number, batch: number): Promise<number> {
  const c: StepConfig = {
    backend: "wasm",
    threads,
    batch,
    size: 256,
    steps,
    warmup: 2,
    profileSteps: 0,
    fused: true,
    native: true,
  };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, RUN, "--child", JSON.stringify(c)], {
      env: { ...process.env, KDET_BACKEND: "", KDET_NATIVE: "1" },
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.on("error", reject);
    p.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return reject(new Error(`child ${JSON.stringify(c)} failed (exit ${code})`));
      const r = JSON.parse(line.slice(7)) as StepResult;
      if (r.error) return reject(new Error(r.error));
      resolve(median(r.stepMs));
    });
  });
}

const CONFIGS = [
  { name: "1 process, 1 thread, batch 8", run: async () => [await child(1, 8)] },
  { name: "1 process, 1 thread, batch 4", run: async () => [await child(1, 4)] },
  {
    name: "2 processes side by side, 1 thread, batch 4 each",
    run: () => Promise.all([child(1, 4), child(1, 4)]),
  },
  {
    name: "2 processes side by side, 1 thread, batch 8 each",
    run: () => Promise.all([child(1, 8), child(1, 8)]),
  },
  { name: "1 process, 2 threads, batch 8", run: async () => [await child(2, 8)] },
];

const results = CONFIGS.map(() => [] as number[][]);
const loads: string[] = [load()];
for (let r = 0; r < rounds; r++)
  for (const [i, c] of CONFIGS.entries()) {
    results[i]!.push(await c.run());
    console.error(
      `round ${r + 1}/${rounds}: ${c.name}: ${results[i]!.at(-1)!
        .map((x) => x.toFixed(0))
        .join(", ")} ms`,
    );
  }
loads.push(load());

// per configuration: the median over rounds of the slowest process's median step (the step a data-parallel
// scheme would wait for), and of each process separately
const slowest = results.map((rs) => median(rs.map((r) => Math.max(...r))));
const ref = slowest[0]!;
console.log(`Machine: ${machine()}. Load (1/5/15 min) before: ${loads[0]}; after: ${loads[1]}.`);
console.log(
  `Command: OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? "(unset)"} pnpm exec tsx bench/train-step/core-scaling.ts --rounds ${rounds} --steps ${steps}\n`,
);
console.log(
  "| configuration | ms/step (slowest process; median of rounds) | every process, every round | batch-8 work per ms vs 1 thread |",
);
console.log("| --- | ---: | --- | ---: |");
CONFIGS.forEach((c, i) => {
  const per = results[i]!.map((r) => r.map((x) => x.toFixed(0)).join(" + ")).join("; ");
  // throughput relative to one process doing batch 8 on one thread
  const images = c.name.includes("batch 4") ? 4 : 8;
  const procs = c.name.startsWith("2 processes") ? 2 : 1;
  const speed = ref / 8 / (slowest[i]! / (images * procs));
  console.log(`| ${c.name} | ${slowest[i]!.toFixed(0)} | ${per} | ${speed.toFixed(2)}× |`);
});
