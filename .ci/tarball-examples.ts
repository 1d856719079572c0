/**
 * CI: the packages as a user gets them. Packs every package, installs @kdet/losses, @kdet/eval and @kdet/cli
 * each into an empty npm project (no workspace; tarballs + the registry) and runs each README's example there:
 * a CWD loss trained in the user's own tfjs loop (wasm, threads = cores), `kdet-eval` on a reference case
 * (pycocotools' stats, bit for bit; no tfjs installed), `kdet demo --quick`.
 * Run after `pnpm build`: `pnpm exec tsx .ci/tarball-examples.ts [workdir] [--only losses,eval,cli]`.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { installProject, packAll, ROOT } from "../bench/install-size/packages";

const args = process.argv.slice(2);
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? new Set(args.splice(onlyAt, 2)[1]!.split(",")) : null;
const work = args[0] ?? path.join(os.tmpdir(), "kdet-tarball-examples");
const results: string[] = [];

function timed(key: string, name: string, fn: () => string): void {
  if (only != null && !only.has(key)) return;
  const t0 = Date.now();
  const note = fn();
  results.push(`ok ${name} (${((Date.now() - t0) / 1000).toFixed(0)} s): ${note}`);
  console.log(results.at(-1));
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 600_000): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const tarballs = packAll(path.join(work, "tarballs"));

timed("losses", "@kdet/losses in the user's own tfjs loop", () => {
  const dir = path.join(work, "losses");
  installProject(dir, "@kdet/losses", tarballs, ["@tensorflow/tfjs-core@^4.22.0"]);
  for (const f of ["losses-own-loop.mjs", "losses-cjs.cjs"])
    copyFileSync(path.join(ROOT, ".ci", "examples", f), path.join(dir, f));
  const esm = run(process.execPath, ["losses-own-loop.mjs"], dir).trim().split("\n").at(-1)!;
  const cjs = run(process.execPath, ["losses-cjs.cjs"], dir).trim().split("\n").at(-1)!;
  return `${esm}; ${cjs}`;
});

timed("eval", "kdet-eval on a reference case", () => {
  const dir = path.join(work, "eval");
  installProject(dir, "@kdet/eval", tarballs);
  if (existsSync(path.join(dir, "node_modules", "@tensorflow"))) throw new Error("@kdet/eval installed tfjs");
  const caseDir = path.join(ROOT, "testdata", "eval-cases", "public", "case_000");
  const out = JSON.parse(
    run(
      "npx",
      [
        "kdet-eval",
        path.join(caseDir, "gt.json"),
        path.join(caseDir, "dt.json"),
        "--json",
        "--allow-unknown-cats",
      ],
      dir,
    ),
  ) as { stats: number[] };
  const expected = JSON.parse(readFileSync(path.join(caseDir, "expected.json"), "utf8")) as {
    stats: number[];
  };
  if (JSON.stringify(out.stats) !== JSON.stringify(expected.stats))
    throw new Error(`kdet-eval stats ${out.stats} differ from pycocotools' ${expected.stats}`);
  return `12 stats equal to pycocotools' bit for bit (AP ${out.stats[0]}); no @tensorflow in node_modules`;
});

timed("cli", "kdet demo --quick", () => {
  const dir = path.join(work, "cli");
  installProject(dir, "@kdet/cli", tarballs);
  run("npx", ["kdet", "demo", "--quick"], dir, 1_200_000);
  const report = readFileSync(path.join(dir, "runs", "demo-quick", "report.html"), "utf8");
  const backend = /(wasm|tensorflow|cpu), (\d+) thread\(s\)/.exec(report);
  if (backend == null) throw new Error("runs/demo-quick/report.html names no backend and thread count");
  const threads = Number(backend[2]);
  if (threads !== os.cpus().length)
    throw new Error(`kdet demo ran on ${threads} thread(s), not ${os.cpus().length}`);
  return `runs/demo-quick/report.html written; ${backend[1]}, ${threads} thread(s)`;
});

console.log(`\n${results.length} passed, 0 failed`);
