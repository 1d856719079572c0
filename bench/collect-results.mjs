#!/usr/bin/env node
// Writes BENCHMARKS.md from the summary below and every bench/<name>/RESULTS.md (each benchmark
// script writes its own RESULTS.md). Usage: node bench/collect-results.mjs
import { readdirSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const order = [
  "demo",
  "train-step",
  "eval-large",
  "data",
  "losses",
  "train",
  "teachers",
  "teacher-cache",
  "export",
];
const dirs = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
dirs.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
const head = readFileSync(join(root, "bench", "SUMMARY.md"), "utf8").trimEnd();
const parts = [head];
for (const d of dirs) {
  const f = join(root, "bench", d, "RESULTS.md");
  if (!existsSync(f)) continue;
  // demote the section's headings one level so each benchmark nests under the page title
  parts.push(
    readFileSync(f, "utf8")
      .trimEnd()
      .replace(/^(#+) /gm, "#$1 "),
  );
}
writeFileSync(join(root, "BENCHMARKS.md"), parts.join("\n\n---\n\n") + "\n");
console.log(`BENCHMARKS.md: summary + ${parts.length - 1} benchmark sections`);
