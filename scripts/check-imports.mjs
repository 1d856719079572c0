#!/usr/bin/env node
/**
 * The import rules of docs/architecture.md, checked on the sources (`pnpm check:imports`; exit 1 on a violation):
 *
 * 1. No import cycle inside a package: the graph of relative imports between the `.ts` files of `packages/<name>/src`
 *    (type-only imports included — a cycle of types is still a cycle for a reader) has no strongly connected
 *    component of more than one file and no file importing itself.
 * 2. Only the designed arrows between packages (run-time code; `*.test.ts` and `src/testing/` may also import the
 *    packages listed as test-only, which are dev dependencies, and their own package by name):
 *      native    → tfjs                                 (optional oneDNN kernels; no @kdet package)
 *      core      → native, tfjs
 *      losses    → core, tfjs
 *      detectors → core, losses, tfjs                   (tests: + data, eval)
 *      data      → nothing of kdet, no tfjs
 *      eval      → nothing of kdet, no tfjs
 *      cli       → every package
 * 3. Two doors from the CLI into @kdet/detectors: only `packages/cli/src/detectors-api.ts` (the main entry) and
 *    `packages/cli/src/detectors-config.ts` (the TensorFlow.js-free `@kdet/detectors/config`) import it.
 *
 * Usage: node scripts/check-imports.mjs [--verbose]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const verbose = process.argv.includes("--verbose");

/** Allowed @kdet packages and whether tfjs is allowed, per package; `test` lists extra packages for tests. */
const RULES = {
  native: { kdet: [], tfjs: true, test: [] },
  core: { kdet: ["native"], tfjs: true, test: [] },
  losses: { kdet: ["core"], tfjs: true, test: [] },
  detectors: { kdet: ["core", "losses"], tfjs: true, test: ["data", "eval"] },
  data: { kdet: [], tfjs: false, test: [] },
  eval: { kdet: [], tfjs: false, test: [] },
  cli: { kdet: ["core", "losses", "detectors", "data", "eval"], tfjs: true, test: [] },
};
/** The CLI's doors into a package: `package → the only CLI files allowed to import it`. */
const DOORS = { detectors: ["packages/cli/src/detectors-api.ts", "packages/cli/src/detectors-config.ts"] };

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Source without comments (string contents kept; `//` only counts at a line start or after whitespace). */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");
}

/** Every module specifier a file imports or re-exports (static, side-effect and dynamic imports). */
function specifiers(src) {
  const s = stripComments(src);
  const out = new Set();
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of s.matchAll(re)) out.add(m[1]);
  return [...out];
}

/** The file a relative specifier names (`./x` → `x.ts` or `x/index.ts`), or undefined. */
function resolveRelative(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, "index.ts")])
    if (existsSync(c) && statSync(c).isFile() && c.endsWith(".ts")) return c;
  return undefined;
}

/** Strongly connected components (Tarjan) of a graph given as Map<node, node[]>. */
function sccs(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const problems = [];
const rel = (f) => path.relative(root, f);
let files = 0;
let edges = 0;
for (const pkg of readdirSync(path.join(root, "packages")).sort()) {
  const src = path.join(root, "packages", pkg, "src");
  if (!existsSync(src)) continue;
  const rule = RULES[pkg];
  if (!rule) {
    problems.push(
      `packages/${pkg}: no import rule for this package (add it to RULES and to docs/architecture.md)`,
    );
    continue;
  }
  const graph = new Map();
  for (const file of walk(src)) {
    files++;
    const isTest = /\.test\.ts$/.test(file) || rel(file).includes(`packages/${pkg}/src/testing/`);
    const deps = [];
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const target = resolveRelative(file, spec);
        if (!target) problems.push(`${rel(file)}: import "${spec}" does not resolve to a .ts file`);
        else if (!target.startsWith(src + path.sep))
          problems.push(`${rel(file)}: import "${spec}" leaves packages/${pkg}/src (use the package name)`);
        else deps.push(target);
        continue;
      }
      const kdet = /^@kdet\/([^/]+)/.exec(spec)?.[1];
      if (kdet) {
        const allowed = [...rule.kdet, ...(isTest ? rule.test : [])];
        if (kdet !== pkg && !allowed.includes(kdet))
          problems.push(
            `${rel(file)}: imports @kdet/${kdet}; @kdet/${pkg} may import ${allowed.length ? allowed.map((p) => `@kdet/${p}`).join(", ") : "no @kdet package"}`,
          );
        // a test may import its own package by name (e.g. the README example, run as a user would)
        if (kdet === pkg && !isTest)
          problems.push(`${rel(file)}: imports its own package "${spec}" (use a relative import)`);
        const doors = pkg === "cli" ? DOORS[kdet] : undefined;
        if (doors && !doors.includes(rel(file)) && !isTest)
          problems.push(
            `${rel(file)}: imports @kdet/${kdet} directly; the CLI's doors into it are ${doors.join(", ")}`,
          );
        continue;
      }
      if (/^@tensorflow\//.test(spec) && !rule.tfjs)
        problems.push(`${rel(file)}: imports ${spec}; @kdet/${pkg} must not depend on TensorFlow.js`);
    }
    graph.set(file, deps);
    edges += deps.length;
  }
  for (const comp of sccs(graph)) {
    const self = comp.length === 1 && (graph.get(comp[0]) ?? []).includes(comp[0]);
    if (comp.length > 1 || self)
      problems.push(`packages/${pkg}: import cycle between ${comp.map(rel).sort().join(" ↔ ")}`);
  }
  if (verbose) console.log(`packages/${pkg}: ${graph.size} files checked`);
}

if (problems.length) {
  console.error(
    `check-imports: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`,
  );
  process.exit(1);
}
console.log(
  `check-imports: ${files} files, ${edges} relative imports: no cycle, no import outside the designed arrows`,
);
