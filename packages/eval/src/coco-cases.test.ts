/**
 * Runs every evaluation case under $KDET_EVAL_CASES (default: the repository's testdata/eval-cases), plus the
 * large case under $KDET_DATA/eval-cases/large when present: any folder holding
 * gt.json, dt.json and expected.json (plain or .gz). Checks, for whichever fields expected.json has:
 * - stats / stats_numpy_ge_2_3: the 12 stats bit for bit (numpy < 2.3 and >= 2.3 summation);
 * - stats_usecats0 / stats_usecats0_numpy_ge_2_3: the same with useCats = 0;
 * - voc: per-class npos, ndet, ap07, ap10 and map07 / map10, bit for bit;
 * - eval.json (if present): the parameters, and precision / recall within 1e-12.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cocoEvaluate, type CocoEvalResult } from "./coco-eval";
import { readJsonFile } from "./json";
import { loadGroundTruth, loadResults, type GroundTruth, type Results } from "./load";
import type { NumpySum } from "./numpy-float";
import { vocFromCoco } from "./voc-ap";
import { allCases, casesRoot, firstBitDifference, type CaseDir } from "./case-files.test-util";

interface Expected {
  stats?: number[];
  stats_numpy_ge_2_3?: number[];
  stats_usecats0?: number[];
  stats_usecats0_numpy_ge_2_3?: number[];
  voc?: {
    per_class: Record<string, { npos: number; ndet: number; ap07: number | null; ap10: number | null }>;
    map07: number | null;
    map10: number | null;
  };
}

interface EvalJson {
  catIds: number[];
  imgIds: number[];
  iouThrs: number[];
  recThrs: number[];
  areaRng: number[][];
  maxDets: number[];
  precision: unknown[];
  recall: unknown[];
}

const root = casesRoot();
const cases = allCases();

/** Loads a case once; evaluations are memoised per (useCats, summation). */
function lazyCase(c: CaseDir) {
  let data: { gt: GroundTruth; dt: Results } | null = null;
  const runs = new Map<string, CocoEvalResult>();
  const load = () => {
    if (!data) {
      const gt = loadGroundTruth(c.gt);
      // pycocotools silently drops results of unknown categories; the cases rely on it
      data = { gt, dt: loadResults(c.dt, gt, { unknownCategories: "drop" }) };
    }
    return data;
  };
  const run = (useCats: boolean, numpySum: NumpySum) => {
    const key = `${useCats}:${numpySum}`;
    let r = runs.get(key);
    if (!r) {
      const { gt, dt } = load();
      r = cocoEvaluate(gt, dt, { useCats, numpySum });
      runs.set(key, r);
    }
    return r;
  };
  return { load, run };
}

function expectBitEqual(actual: readonly number[], expected: readonly number[], what: string): void {
  const diff = firstBitDifference(actual, expected);
  expect(
    diff,
    `${what}: ${diff}\n  got      ${JSON.stringify(actual)}\n  expected ${JSON.stringify(expected)}`,
  ).toBeNull();
}

function flatten(a: unknown): number[] {
  const out: number[] = [];
  const rec = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) rec(y);
    else out.push(x as number);
  };
  rec(a);
  return out;
}

const STATS_FIELDS: [keyof Expected, boolean, NumpySum][] = [
  ["stats", true, "numpy<2.3"],
  ["stats_numpy_ge_2_3", true, "numpy>=2.3"],
  ["stats_usecats0", false, "numpy<2.3"],
  ["stats_usecats0_numpy_ge_2_3", false, "numpy>=2.3"],
];

// With the default location absent (no shared data next to the clone) the suite is skipped, saying so; a folder
// given explicitly in KDET_EVAL_CASES must hold cases.
const absent = !process.env["KDET_EVAL_CASES"] && !existsSync(root);

describe.skipIf(absent)(
  absent
    ? `evaluation cases: ${root} not found, skipped (set KDET_EVAL_CASES)`
    : `evaluation cases in ${root}`,
  () => {
    it("finds at least one case", () => {
      expect(
        cases.length,
        `no case folder (gt.json + dt.json + expected.json) under ${root}`,
      ).toBeGreaterThan(0);
    });

    for (const c of cases) {
      describe(c.name, () => {
        // expected.json is small: read it now, so that only the checks it has data for are registered
        const expected = readJsonFile(c.expected) as Expected;
        const k = lazyCase(c);

        it("expected.json has stats or stats_numpy_ge_2_3", () => {
          expect(expected.stats ?? expected.stats_numpy_ge_2_3, `${c.expected} has neither`).toBeDefined();
        });

        for (const [field, useCats, numpySum] of STATS_FIELDS) {
          const want = expected[field] as number[] | undefined;
          if (!want) continue;
          it(`${field}: the 12 stats bit for bit (useCats ${useCats ? 1 : 0}, ${numpySum} summation)`, () => {
            expectBitEqual(k.run(useCats, numpySum).stats, want, `${c.name} ${field}`);
          });
        }

        const voc = expected.voc;
        if (voc) {
          it("voc: per-class npos, ndet, ap07, ap10 and map07, map10 bit for bit", () => {
            const { gt, dt } = k.load();
            const v = vocFromCoco(gt, dt, { numpySum: "numpy<2.3" });
            const got: Record<string, unknown> = {};
            for (const pc of v.perClass)
              got[String(pc.classId)] = { npos: pc.npos, ndet: pc.ndet, ap07: pc.ap07, ap10: pc.ap10 };
            expect(got).toStrictEqual(voc.per_class);
            expect(Object.is(v.map07, voc.map07), `map07 ${v.map07} != ${voc.map07}`).toBe(true);
            expect(Object.is(v.map10, voc.map10), `map10 ${v.map10} != ${voc.map10}`).toBe(true);
          });
        }

        if (c.eval) {
          const evalPath = c.eval;
          it("eval.json: parameters, and precision / recall within 1e-12", () => {
            const ev = readJsonFile(evalPath) as EvalJson;
            const r = k.run(true, "numpy<2.3");
            expect([...r.params.catIds]).toStrictEqual(ev.catIds);
            expect([...r.params.imgIds]).toStrictEqual(ev.imgIds);
            expect([...r.params.iouThrs]).toStrictEqual(ev.iouThrs);
            expect([...r.params.recThrs]).toStrictEqual(ev.recThrs);
            expect([...r.params.maxDets]).toStrictEqual(ev.maxDets);
            expect(r.params.areaRng.map((x) => [...x])).toStrictEqual(ev.areaRng);
            for (const [name, got, exp] of [
              ["precision", r.precision, flatten(ev.precision)],
              ["recall", r.recall, flatten(ev.recall)],
            ] as const) {
              expect(got.length, `${name} size`).toBe(exp.length);
              let worst = 0;
              let at = -1;
              for (let i = 0; i < exp.length; i++) {
                const d = Math.abs(got[i]! - exp[i]!);
                if (!(d <= worst)) {
                  worst = d;
                  at = i;
                }
              }
              expect(
                worst,
                `${name} differs by ${worst} at flat index ${at} (got ${got[at]}, expected ${exp[at]})`,
              ).toBeLessThanOrEqual(1e-12);
            }
          });
        }
      });
    }
  },
);
