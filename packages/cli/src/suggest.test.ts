import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance } from "./suggest";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps (hand-computed cases)", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("cwdd", "cwd")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("flaw", "lawn")).toBe(2);
    expect(editDistance("same", "same")).toBe(0);
    expect(editDistance("trian", "train")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
  });
});

describe("closest / didYouMean", () => {
  const ids = ["cwd", "mse", "pkd", "fgd", "mgd", "fsd", "yolov8-n", "yolov8-s"];
  it("finds the nearest ids and nothing for far-off words", () => {
    expect(closest("cwdd", ids)).toEqual(["cwd"]);
    expect(closest("yolov8n", ids)).toEqual(["yolov8-n"]);
    expect(closest("fxd", ids)).toEqual(["fgd", "fsd"]);
    expect(closest("transformer", ids)).toEqual([]);
  });
  it("renders a hint, or nothing", () => {
    expect(didYouMean("YOLOV8-S", ids)).toBe('; did you mean "yolov8-s"?');
    expect(didYouMean("zzzzzz", ids)).toBe("");
    expect(didYouMean(42, ids)).toBe("");
  });
});
