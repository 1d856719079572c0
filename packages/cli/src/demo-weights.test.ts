/**
 * The demo's effective weights did not change when the loss-internal `lossWeight` was removed: before,
 * a term's `weight` multiplied the loss' own `lossWeight` (defaults cwd 10, mse 10, pkd 6, others 1);
 * now the term `weight` is the only knob (default: the registry's `defaultWeight`). This table holds
 * the old (term weight, lossWeight) pairs of every demo term; each product must equal the weight the
 * distiller now applies.
 */
import { LOSSES, type LossConfigInput, type LossId } from "@kdet/losses";
import { describe, expect, it } from "vitest";
import { DEMO_METHOD_NAMES, DEMO_METHODS, type DemoMethod } from "./demo-methods";

/** Per demo method, per term: [old term weight, old loss lossWeight]. */
const OLD: Record<DemoMethod, Array<[number, number]>> = {
  cwd: [[5, 10]],
  "qfl-kd": [[200, 1]],
  "cwd-qfl": [
    [5, 10],
    [200, 1],
  ],
  mse: [[1, 10]],
  pkd: [[1, 6]],
  mgd: [[1, 1]],
  fgd: [[1, 1]],
  fsd: [[1, 1]],
  ckd: [[1, 1]],
  rdkd: [[1, 1]],
};

const channels = { student: [64, 128, 256], teacher: [128, 256, 512] };

/** The weight the distiller applies to a term: its `weight`, else its loss' registry `defaultWeight`. */
function effectiveWeight(term: {
  weight?: number | undefined;
  loss: LossConfigInput | LossConfigInput[];
}): number {
  const type = (Array.isArray(term.loss) ? term.loss[0]! : term.loss).type as LossId;
  return term.weight ?? LOSSES[type].defaultWeight;
}

describe("demo weights after the one-weight change", () => {
  it("the table covers every demo method", () => {
    expect(Object.keys(OLD).sort()).toEqual([...DEMO_METHOD_NAMES].sort());
  });

  for (const m of DEMO_METHOD_NAMES) {
    it(`${m}: each term's weight equals the old term weight × lossWeight`, () => {
      const terms = DEMO_METHODS[m].terms(channels);
      expect(terms.map(effectiveWeight)).toEqual(OLD[m].map(([w, lw]) => w * lw));
    });
  }
});
