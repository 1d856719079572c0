import { describe, expect, it } from "vitest";
import { configChanges } from "./config-diff";

describe("configChanges", () => {
  it("lists changed, added and removed leaves with old and new values", () => {
    const a = { train: { epochs: 3, optimizer: { lr: 0.01 } }, data: { seed: 1 }, distill: [{ w: 1 }] };
    const b = {
      train: { epochs: 6, optimizer: { lr: 0.01 } },
      data: {},
      distill: [{ w: 1 }, { w: 2 }],
      x: true,
    };
    expect(configChanges(a, b)).toEqual([
      { path: "data.seed", before: 1, after: undefined },
      { path: "distill.1", before: undefined, after: { w: 2 } },
      { path: "train.epochs", before: 3, after: 6 },
      { path: "x", before: undefined, after: true },
    ]);
    expect(configChanges(a, structuredClone(a))).toEqual([]);
  });

  it("a list replaced by an object (or a scalar) is one change at that key", () => {
    expect(configChanges({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: "a", before: [1], after: { 0: 1 } }]);
    expect(configChanges(1, 2)).toEqual([{ path: "(config)", before: 1, after: 2 }]);
  });
});
