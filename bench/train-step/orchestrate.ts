import { spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { KernelProfile } from "./profile";
import { machine, type StepConfig, type StepResult } from "./step";

const RUN = fileURLToPath(new URL("./run.ts", import.meta.url));
const TORCH = fileURLToPath(new URL("./torch_step.py", import.meta.url));
const PY = "/usr/bin/python3";
/** Native FP32 peak per core (Zen 4, 2×256-bit FMA at ≈3.6 GHz) and the WASM-SIMD128 ceiling (no FMA), GFLOPS . */
const NATIVE_PEAK = 115;
const WASM_CEILING = 58;

interface Row {
  name: string;
  threads: number;
  batch: number;
  size: number;
  stepMs: number[];
  cpuMs: number[];
  load: string;
  note: string;
  profile?: KernelProfile | null;
  profileStepMs?: number | null;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function runChild(c: StepConfig): StepResult {
  const r = spawnSync(process.execPath, [...process.execArgv, RUN, "--child", JSON.stringify(c)], {
    encoding: "utf8",
    timeout: 1_800_000,
    env: { ...process.env, KDET_BACKEND: "", KDET_NATIVE: c.native === false ? "0" : "1" },
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line == null)
    throw new Error(`child ${JSON.stringify(c)} failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as StepResult;
}

function ensureTorch(): string | null {
  const probe = () => spawnSync(PY, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  let p = probe();
  if (p.status !== 0) {
    console.log("installing python3-torch (apt-get install -y python3-torch) …");
    spawnSync("apt-get", ["install", "-y", "python3-torch"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    p = probe();
  }
  return p.status === 0 ? p.stdout.trim() : null;
}

function runTorch(threads: number, batch: number, size: number, steps: number, channelsLast: boolean): Row {
  const before = load();
  const a = [
    "--threads",
    String(threads),
    "--batch",
    String(batch),
    "--size",
    String(size),
    "--steps",
    String(steps),
  ];
  if (channelsLast) a.push("--channels-last");
  const r = spawnSync(PY, [TORCH, ...a], {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0) throw new Error(`torch_step.py failed: ${r.stderr.slice(-2000)}`);
  const j = JSON.parse(line) as { torch: string; stepMs: number[]; cpuMs: number[]; params: number };
  return {
    name: `PyTorch ${j.torch}${channelsLast ? " channels_last" : " NCHW"}`,
    threads,
    batch,
    size,
    stepMs: j.stepMs,
    cpuMs: j.cpuMs,
    load: `${before} → ${load()}`,
    // Under load, OpenMP's default spin-waiting makes PyTorch's 2-thread step 10× slower; kdet's native
    // path waits passively. Run with OMP_WAIT_POLICY=passive to give PyTorch the same.
    note: `${j.params} params, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? "unset (spin, then sleep)"}`,
  };
}

function tfRow(name: string, c: StepConfig): Row {
  const before = load();
  const r = runChild(c);
  const leak = new Set(r.numTensors).size > 1 ? `; numTensors drifted ${r.numTensors.join(",")}` : "";
  return {
    name,
    threads: c.threads,
    batch: c.batch,
    size: c.size,
    stepMs: r.stepMs,
    cpuMs: r.cpuMs,
    load: `${before} → ${load()}`,
    note: r.error != null ? `cannot train: ${r.error}` : `${r.message}${leak}`,
    profile: r.profile,
    profileStepMs: r.profileStepMs,
  };
}

/** GFLOPs of one training step: forward + input gradient + filter gradient ≈ 3 × forward. */
function stepGflop(batch: number, size: number, fwdGflopAt8x256: number): number {
  return 3 * fwdGflopAt8x256 * (batch / 8) * (size / 256) ** 2;
}

function table(rows: Row[], fwd: number): string {
  const torchOf = (suffix: string) =>
    new Map(
      rows
        .filter((r) => r.name.startsWith("PyTorch") && r.name.endsWith(suffix))
        .map((r) => [`${r.threads}/${r.batch}/${r.size}`, median(r.stepMs)]),
    );
  const torchBy = torchOf("NCHW");
  const torchCl = torchOf("channels_last");
  const out = [
    "| configuration | threads | batch×size | ms/step (median of n; min–max) | CPU ms/step | GFLOPS | % native peak | % wasm ceiling | × PyTorch NCHW (same threads) | × PyTorch channels_last (same threads) | notes |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const m = median(r.stepMs);
    const ok = r.stepMs.length > 0;
    const gf = ok ? stepGflop(r.batch, r.size, fwd) / (m / 1000) : NaN;
    const key = `${r.threads}/${r.batch}/${r.size}`;
    const torch = torchBy.get(key);
    const cl = torchCl.get(key);
    const cells = [
      r.name,
      String(r.threads),
      `${r.batch}×${r.size}²`,
      ok
        ? `**${m.toFixed(0)}** (n=${r.stepMs.length}; ${Math.min(...r.stepMs).toFixed(0)}–${Math.max(...r.stepMs).toFixed(0)})`
        : "–",
      ok ? median(r.cpuMs).toFixed(0) : "–",
      ok ? gf.toFixed(1) : "–",
      ok ? `${((100 * gf) / (NATIVE_PEAK * r.threads)).toFixed(1)} %` : "–",
      ok ? `${((100 * gf) / (WASM_CEILING * r.threads)).toFixed(1)} %` : "–",
      ok && torch != null && !r.name.startsWith("PyTorch") ? `${(m / torch).toFixed(2)}×` : "–",
      ok && cl != null && !r.name.startsWith("PyTorch") ? `**${(m / cl).toFixed(2)}×**` : "–",
      `${r.note} (load ${r.load})`,
    ];
    out.push(`| ${cells.join(" | ")} |`);
  }
  return out.join("\n");
}

function profileTable(r: Row): string {
  const p = r.profile!;
  const total = Object.values(p).reduce((s, e) => s + e.ms, 0);
  const rows = Object.entries(p).sort((a, b) => b[1].ms - a[1].ms);
  const lines = [
    `Per-kernel self time, ${r.name}, ${r.threads} thread(s), batch ${r.batch}×${r.size}²: profiled step ${r.profileStepMs!.toFixed(0)} ms, kernels ${total.toFixed(0)} ms, engine/JS outside kernels ${(r.profileStepMs! - total).toFixed(0)} ms.`,
    "",
    "| kernel | ms/step | % of step | calls/step |",
    "|---|---|---|---|",
  ];
  for (const [name, e] of rows.slice(0, 25))
    lines.push(
      `| ${name} | ${e.ms.toFixed(1)} | ${((100 * e.ms) / r.profileStepMs!).toFixed(1)} % | ${e.calls} |`,
    );
  return lines.join("\n");
}

/** Runs the configured benchmarks and prints markdown (machine, command, table, per-op profiles). */
export async function main(argv: string[]): Promise<void> {
  const quick = argv.includes("--quick");
  const stepsFlag = argv.indexOf("--steps");
  const steps = stepsFlag >= 0 ? Number(argv[stepsFlag + 1]) : quick ? 3 : 5;
  const cores = os.cpus().length;
  const { buildNet } = await import("./net");
  const rows: Row[] = [];
  const batch = quick ? 2 : 8;
  const size = quick ? 64 : 256;
  const base = { batch, size, steps, warmup: quick ? 1 : 2, profileSteps: quick ? 1 : 2, fused: true };
  console.log(
    `# bench/train-step ${quick ? "(quick)" : ""}\n\nmachine: ${machine()}; load at start ${load()}\n`,
  );

  const flag = argv.indexOf("--only");
  const only = flag >= 0 ? new Set(argv[flag + 1]!.split(",")) : null;
  const want = (id: string) =>
    only == null ? !(quick && id.startsWith("torch")) && !argv.includes(`--no-${id}`) : only.has(id);
  const torchVersion = want("torch") || want("torch-cl") ? ensureTorch() : null;
  if (want("builtin"))
    rows.push(
      tfRow("tfjs-wasm builtin kernels", {
        ...base,
        backend: "wasm-builtin",
        threads: 1,
        steps: 1,
        warmup: 0,
        profileSteps: 0,
      }),
    );
  // Interleaved per thread count, so that the PyTorch reference sees the same load as ours.
  for (const t of quick ? [cores] : [1, cores]) {
    if (torchVersion != null && want("torch")) rows.push(runTorch(t, batch, size, steps, false));
    if (want("native"))
      rows.push(
        tfRow("tfjs-wasm + @kdet/native (oneDNN convs, fused BN+SiLU)", {
          ...base,
          backend: "wasm",
          threads: t,
          native: true,
        }),
      );
    if (want("fused"))
      rows.push(
        tfRow("tfjs-wasm + kdet XNNPACK kernels, fused BN+SiLU", {
          ...base,
          backend: "wasm",
          threads: t,
          native: false,
        }),
      );
    if (!quick && want("composed"))
      rows.push(
        tfRow("tfjs-wasm + kdet kernels, composed BN+SiLU", {
          ...base,
          backend: "wasm",
          threads: t,
          fused: false,
          native: false,
        }),
      );
    if (torchVersion != null && want("torch-cl")) rows.push(runTorch(t, batch, size, steps, true));
  }
  if (want("cpu")) {
    const cpu = quick ? { batch: 1, size: 32 } : { batch: 1, size: 256 };
    rows.push(
      tfRow("tfjs cpu (pure JS) + kdet fix", {
        ...base,
        ...cpu,
        backend: "cpu",
        threads: 1,
        steps: 1,
        warmup: 0,
        profileSteps: 0,
      }),
    );
  }
  const fwd = await (async () => {
    const { tf, loadCpuBackend } = await import("./tf");
    loadCpuBackend();
    await tf.setBackend("cpu");
    const net = buildNet(1);
    const f = net.flops(8, 256) / 1e9;
    tf.dispose(net.params);
    return f;
  })();
  console.log(
    `Forward ${fwd.toFixed(2)} GFLOP at 8×256² (convs, 2·MAC); a step counts 3× forward = ${(3 * fwd).toFixed(1)} GFLOP.\n`,
  );
  console.log(table(rows, fwd));
  for (const r of rows) if (r.profile) console.log(`\n${profileTable(r)}`);
  console.log(`\nload at end ${load()}`);
}
