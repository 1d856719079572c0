/** Test helpers: discovery of evaluation case folders (not part of the package build). */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

/** The cases root: $KDET_EVAL_CASES, else the repository's testdata/eval-cases (public, special, vectors). */
export function casesRoot(): string {
  const env = process.env["KDET_EVAL_CASES"];
  if (env) return resolve(env);
  return resolve(import.meta.dirname, "..", "..", "..", "testdata", "eval-cases");
}

/** The large case (COCO-sized, not in the repository): $KDET_DATA/eval-cases/large. */
export function largeCaseRoot(): string {
  return resolve(
    process.env["KDET_DATA"] ?? resolve(import.meta.dirname, "..", "..", "..", "..", "shared"),
    "eval-cases",
    "large",
  );
}

/**
 * Every case: findCases(casesRoot()), plus the large case (named "large") when KDET_EVAL_CASES is not set and
 * largeCaseRoot() exists (a warning says when it is skipped).
 */
export function allCases(): CaseDir[] {
  const large = largeCaseRoot();
  const withLarge = !process.env["KDET_EVAL_CASES"];
  if (withLarge && !existsSync(large))
    console.warn(`[eval cases] the large case is skipped: ${large} not found (set KDET_DATA)`);
  return [
    ...findCases(casesRoot()),
    ...(withLarge && existsSync(large) ? findCases(large).map((c) => ({ ...c, name: "large" })) : []),
  ];
}

/** A file of a case, plain or gzipped; null if absent. */
export function caseFile(dir: string, name: string): string | null {
  for (const f of [name, `${name}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  return null;
}

export interface CaseDir {
  readonly dir: string;
  readonly name: string;
  readonly gt: string;
  readonly dt: string;
  readonly expected: string;
  readonly eval: string | null;
}

/** Every folder, at any depth, holding gt.json, dt.json and expected.json (each possibly .gz). Sorted by path. */
export function findCases(root: string): CaseDir[] {
  const out: CaseDir[] = [];
  const walk = (dir: string): void => {
    const gt = caseFile(dir, "gt.json");
    const dt = caseFile(dir, "dt.json");
    const expected = caseFile(dir, "expected.json");
    if (gt && dt && expected) {
      out.push({ dir, name: relative(root, dir) || ".", gt, dt, expected, eval: caseFile(dir, "eval.json") });
    }
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** Bit-for-bit equality of two number arrays; returns a description of the first difference or null. */
export function firstBitDifference(actual: readonly number[], expected: readonly number[]): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `[${i}]: got ${actual[i]}, expected ${expected[i]}`;
  }
  return null;
}
