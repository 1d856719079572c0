/**
 * Install size of each kdet package as a user gets it: `npm install` from the packed tarballs into an empty
 * project (outside the workspace), with the user's own `@tensorflow/tfjs-core` where the package has it as a
 * peer. Prints a markdown table: node_modules bytes, package count and the largest packages.
 * Run after `pnpm build`: `pnpm exec tsx bench/install-size/run.ts [workdir]`.
 */
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { dirSize, installProject, packAll } from "./packages";

const TFJS_CORE = "@tensorflow/tfjs-core@^4.22.0";

/** What is installed for each row: the package and the registry packages a user adds beside it. */
const ROWS: { name: string; extra: string[]; note: string }[] = [
  { name: "@kdet/core", extra: [TFJS_CORE], note: "+ tfjs-core (peer)" },
  { name: "@kdet/losses", extra: [TFJS_CORE], note: "+ tfjs-core (peer)" },
  { name: "@kdet/eval", extra: [], note: "no tfjs" },
  { name: "@kdet/data", extra: [], note: "without the optional sharp" },
  {
    name: "@kdet/detectors",
    extra: [TFJS_CORE],
    note: "+ tfjs-core, without the optional pretrained teachers",
  },
  { name: "@kdet/cli", extra: [], note: "everything (tfjs-core and sharp included)" },
];

/** The `n` largest packages directly under `dir/node_modules` (a scope's packages counted one by one). */
function largest(dir: string, n: number): string {
  const nm = path.join(dir, "node_modules");
  const entries = readdirSync(nm)
    .filter((e) => !e.startsWith("."))
    .flatMap((e) => (e.startsWith("@") ? readdirSync(path.join(nm, e)).map((s) => `${e}/${s}`) : [e]))
    .map((name) => ({ name, bytes: dirSize(path.join(nm, name)).bytes }))
    .sort((a, b) => b.bytes - a.bytes);
  return entries
    .slice(0, n)
    .map((e) => `${e.name} ${(e.bytes / 1e6).toFixed(1)}`)
    .join(", ");
}

const work = process.argv[2] ?? path.join(os.tmpdir(), "kdet-install-size");
const tarballs = packAll(path.join(work, "tarballs"));
const lines = [
  "| package | installed with | node_modules (MB) | packages | largest (MB) |",
  "|---|---|---:|---:|---|",
];
for (const row of ROWS) {
  const dir = path.join(work, row.name.replace("/", "+"));
  const t0 = Date.now();
  installProject(dir, row.name, tarballs, row.extra);
  const size = dirSize(path.join(dir, "node_modules"));
  lines.push(
    `| ${row.name} | ${row.note} | ${(size.bytes / 1e6).toFixed(1)} | ${size.packages} | ${largest(dir, 3)} |`,
  );
  console.error(`${row.name}: installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
console.log(lines.join("\n"));
